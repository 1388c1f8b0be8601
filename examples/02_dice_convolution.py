# %% [markdown]
# # Convolution as the sum of two dice (lesson 000)
#
# Roll two fair dice. The sum is 7 when the dice show (1, 6), (2, 5), ..., (6, 1): six of
# the 36 equally likely pairs, so $P(7) = 6/36$. Adding up "first die shows $k$ and the
# second shows $n - k$" over every $k$ is exactly the convolution
#
# $$(f * g)[n] = \sum_k f[k]\, g[n - k],$$
#
# so the distribution of a sum of two independent numbers is the convolution of their
# distributions. Two vectors of lengths $m$ and $n$ convolve to length $m + n - 1$: two
# dice (6 faces each) give the 11 sums 2..12.

# %%
import os
import sys
from fractions import Fraction
from itertools import product
from pathlib import Path

import matplotlib

HEADLESS = sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
if HEADLESS and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")  # no screen: only write PNG files
import matplotlib.pyplot as plt
import numpy as np

import strided as keras

OUT = Path(os.environ.get("STRIDED_EXAMPLE_OUT", "example_output"))
OUT.mkdir(parents=True, exist_ok=True)


def save(figure, name):
    """Write the figure to OUT/name (atomically); show it as well inside Jupyter."""
    path = OUT / name
    figure.savefig(path.with_suffix(".tmp.png"), dpi=100, bbox_inches="tight")
    os.replace(path.with_suffix(".tmp.png"), path)
    print(f"saved {path}")
    if "inline" in matplotlib.get_backend():  # in Jupyter: show it under the cell
        from IPython.display import Image, display
        display(Image(filename=path))
    plt.close(figure)


# %% [markdown]
# ## A small example first
#
# $f = [1, 2, 3]$ and $g = [4, 5]$: slide the flipped $g = [5, 4]$ along $f$ and add the
# products: $1\cdot4 = 4$, $1\cdot5 + 2\cdot4 = 13$, $2\cdot5 + 3\cdot4 = 22$, $3\cdot5 = 15$.

# %%
f = np.array([1, 2, 3])
g = np.array([4, 5])
print(f"{f}*{g} = {keras.signal.convolve(f, g, mode='full')}")
assert keras.signal.convolve(f, g).tolist() == [4, 13, 22, 15]

# %% [markdown]
# ## Two dice
#
# Convolving the counts `[1, 1, 1, 1, 1, 1]` with themselves counts the ways to roll each
# sum; dividing by 36 gives the probabilities, exactly (as fractions) and as decimals.

# %%
die = np.array([1 / 6] * 6)
sum_two_dice = keras.signal.convolve(die, die, mode="full")
print(sum_two_dice)

ways = keras.signal.convolve(np.ones(6, dtype=int), np.ones(6, dtype=int))  # 1 2 3 4 5 6 5 4 3 2 1
sums = np.arange(2, 13)
print("\nsum  ways  probability")
for total, count, p in zip(sums, ways, sum_two_dice):
    exact = Fraction(int(count), 36)
    print(f"{total:>3}  {count:>4}  {count:>2}/36 = {exact!s:>4} = {p:.4f}")

p7 = sum_two_dice[sums == 7][0]
print(f"\nP(sum = 7) = 6/36 = {p7:.4f}")
print(f"total probability: {sum_two_dice.sum():.6f}")

# %% [markdown]
# The convolution agrees with counting all 36 pairs by hand:

# %%
counted = np.zeros(11, dtype=int)
for a, b in product(range(1, 7), repeat=2):
    counted[a + b - 2] += 1
assert np.array_equal(counted, ways)
assert np.allclose(sum_two_dice, counted / 36)
print("counting the 36 pairs gives the same:", counted.tolist())

# %% [markdown]
# ## A die plus a biased coin
#
# Any two independent random numbers work the same way. A die plus a coin that shows 0 with
# probability 0.3 and 1 with probability 0.7 (lesson 000) gives sums 1..7:

# %%
bias_coin = [0.3, 0.7]
sum_pr = keras.signal.convolve(die, bias_coin, mode="full")
print(sum_pr)
print(np.sum(sum_pr))

# %% [markdown]
# ## The same with a convolution layer's maths
#
# `strided.ops.conv` is the operation inside `Conv1D`. It correlates (does not flip the
# kernel) and pads only as asked, so the full convolution is the flipped kernel with
# `kernel_size - 1` zeros of padding on each side. The die is symmetric, so the flip
# changes nothing here.

# %%
x = die[None, :, None]                 # (batch, length, channels)
kernel = die[::-1][:, None, None]      # (kernel width, in channels, out channels)
via_conv = keras.ops.conv(x, kernel, padding=len(die) - 1).numpy().ravel()
print("strided.ops.conv:", np.round(via_conv * 36, 6))
assert np.allclose(via_conv, sum_two_dice)

# %% [markdown]
# Three dice: convolve once more. The distribution turns into a bell shape (the central
# limit theorem at work).

# %%
three_dice = keras.signal.convolve(sum_two_dice, die)
p10 = three_dice[10 - 3]
print(f"three dice: P(sum = 10) = P(sum = 11) = {p10 * 216:.0f}/216 = {p10:.4f}")

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
axes[0].bar(np.arange(1, 7), die, color="grey")
axes[0].set_title("one die")
axes[1].bar(sums, sum_two_dice, color="tab:blue")
axes[1].set_title("two dice: die * die")
for total, p in zip(sums, sum_two_dice):
    axes[1].text(total, p, f"{round(p * 36)}/36", ha="center", va="bottom", fontsize=8)
axes[2].bar(np.arange(3, 19), three_dice, color="tab:green")
axes[2].set_title("three dice: die * die * die")
for ax in axes:
    ax.set_xlabel("sum")
    ax.set_ylabel("probability")
save(fig, "02_dice.png")
