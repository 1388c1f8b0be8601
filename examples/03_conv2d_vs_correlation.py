# %% [markdown]
# # 2-D convolution vs correlation, and what a kernel detects (lessons 000, 001, 004)
#
# In 2-D the recipe is the same as in 1-D: put the kernel on a patch of the image, multiply
# the overlapping numbers, add them up, move on. The mathematical **convolution** first
# flips the kernel horizontally and vertically,
#
# $$(I * K)(i, j) = \sum_{m}\sum_{n} I(i - m, j - n)\, K(m, n),$$
#
# while **cross-correlation** slides the kernel as it is. A "convolution" layer in a CNN
# (Keras, PyTorch, strided) actually computes the correlation; since its kernel is learned,
# the flip does not matter. Without padding an $H \times W$ image and a $k_h \times k_w$
# kernel give an $(H - k_h + 1) \times (W - k_w + 1)$ result.

# %%
import os
import sys
from pathlib import Path

import matplotlib

HEADLESS = sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
if HEADLESS and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")  # no screen: only write PNG files
import matplotlib.pyplot as plt
import numpy as np

import strided as keras
from strided.signal import convolve2d, correlate2d

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
# ## The lesson's 3x3 example, step by step
#
# Flip $K$ in both directions, then slide it over the four 2x2 patches of $I$.

# %%
image = np.array([
    [1, 2, 1],
    [0, 1, 0],
    [2, 1, 3],
])
kernel = np.array([
    [1, 0],
    [-1, 1],
])
flipped = kernel[::-1, ::-1]
print("flipped kernel:\n", flipped)

manual = np.zeros((2, 2), dtype=int)
for i in range(2):
    for j in range(2):
        patch = image[i:i + 2, j:j + 2]
        manual[i, j] = np.sum(patch * flipped)
        terms = " + ".join(f"({a})({b})" for a, b in zip(patch.ravel(), flipped.ravel()))
        print(f"position ({i},{j}): {terms} = {manual[i, j]}")

result = convolve2d(image, kernel, mode="valid")
print("convolution\n", result)
assert np.array_equal(result, manual)
assert result.tolist() == [[0, 1], [0, 4]]

result = correlate2d(image, kernel, mode="valid")
print("correlate\n", result)
assert result.tolist() == [[2, 1], [-1, 3]]

# %% [markdown]
# Convolution is correlation with the flipped kernel:

# %%
assert np.array_equal(convolve2d(image, kernel, mode="valid"),
                      correlate2d(image, flipped, mode="valid"))
print("convolve2d(I, K) == correlate2d(I, flip(K))")

# %% [markdown]
# ## A CNN layer correlates
#
# `strided.ops.conv` (the maths inside `layers.Conv2D`) takes a batch of channels-last
# images `(N, H, W, C)` and a kernel `(k_h, k_w, C_in, C_out)`. On the 5x5 example of
# lesson 000 it gives the correlation, not the convolution.

# %%
image5 = np.array([
    [1, 2, 3, 0, 1],
    [0, 1, 2, 3, 4],
    [1, 0, 1, 2, 3],
    [0, 1, 0, 1, 2],
    [3, 2, 1, 0, 1],
])
print("convolve2d:\n", convolve2d(image5, kernel, mode="valid"))
print("correlate2d:\n", correlate2d(image5, kernel, mode="valid"))

x = image5[None, :, :, None].astype("float32")       # (1, 5, 5, 1)
w = kernel[:, :, None, None].astype("float32")        # (2, 2, 1, 1)
layer_result = keras.ops.conv(x, w).numpy()[0, :, :, 0]
print("strided.ops.conv:\n", layer_result.astype(int))
assert np.array_equal(layer_result, correlate2d(image5, kernel, mode="valid"))

# %% [markdown]
# ## Padding and stride (lesson 004)
#
# The output size is $\lfloor (H + 2p - k)/s \rfloor + 1$. With a 4x4 input, a 3x3
# kernel, padding $p = 1$ and stride $s = 2$: $\lfloor (4 + 2 - 3)/2 \rfloor + 1 = 2$.
# (Lesson 004 prints `[[1, 3], [2, 5]]` for this example, but its padded matrix is
# mis-drawn; the definition, PyTorch and strided give `[[1, 2], [2, 4]]`.)

# %%
checkerboard = np.array([
    [1, 0, 1, 0],
    [0, 1, 0, 1],
    [1, 0, 1, 0],
    [0, 1, 0, 1],
], dtype="float32")
stripes = np.array([
    [1, 1, 1],
    [0, 0, 0],
    [1, 1, 1],
], dtype="float32")
strided_result = keras.ops.conv(checkerboard[None, :, :, None], stripes[:, :, None, None],
                                strides=2, padding=1).numpy()[0, :, :, 0]
print("stride 2, padding 1:\n", strided_result.astype(int))
padded = np.pad(checkerboard, 1)
by_hand = correlate2d(padded, stripes, mode="valid")[::2, ::2]   # every second position
assert np.array_equal(strided_result, by_hand)
assert strided_result.tolist() == [[1, 2], [2, 4]]

# %% [markdown]
# ## Lesson 001's manual convolution
#
# Lesson 001 writes the sliding window out with two loops (a correlation, as in CNNs) and
# applies a horizontal-edge kernel: dark above, bright below.

# %%
def manual_convolve2d(image, kernel):
    img_h, img_w = image.shape
    ker_h, ker_w = kernel.shape
    out_h, out_w = img_h - ker_h + 1, img_w - ker_w + 1
    output = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            region = image[i:i + ker_h, j:j + ker_w]
            output[i, j] = np.sum(region * kernel)
    return output


image001 = np.array([
    [1, 2, 3, 0, 1],
    [0, 1, 2, 3, 0],
    [1, 0, 1, 2, 3],
    [2, 1, 0, 1, 2],
    [3, 2, 1, 0, 1],
])
edge = keras.signal.HORIZONTAL_EDGE
print("Convolved output:\n", manual_convolve2d(image001, edge))
assert np.array_equal(manual_convolve2d(image001, edge), correlate2d(image001, edge, mode="valid"))

# %% [markdown]
# ## What does a kernel detect?
#
# Each output number says how well the patch under the kernel matches the kernel's
# pattern: large and positive for a strong match, near zero for no match, negative for the
# opposite pattern. The kernel `[[1, 0], [-1, 1]]` wants bright top-left and bottom-right
# pixels with a dark bottom-left one: a diagonal contrast.
#
# On an image that is one bright diagonal line, the lesson's four 2x2 kernels respond
# differently:

# %%
diagonal_image = np.eye(5, dtype=int)
detectors = {
    "diagonal [[1,0],[0,1]]": keras.signal.DIAGONAL,
    "block [[1,1],[1,1]]": keras.signal.BLOCK,
    "zeros [[0,0],[0,0]]": np.zeros((2, 2), dtype=int),
    "anti-diagonal [[0,1],[1,0]]": keras.signal.ANTI_DIAGONAL,
    "diagonal contrast [[1,0],[-1,1]]": keras.signal.DIAGONAL_CONTRAST,
}
responses = {}
for name, detector in detectors.items():
    responses[name] = correlate2d(diagonal_image, detector, mode="valid")
    print(f"{name}: strongest response {responses[name].max()}\n{responses[name]}")

assert responses["diagonal [[1,0],[0,1]]"].tolist() == (2 * np.eye(4, dtype=int)).tolist()
assert responses["block [[1,1],[1,1]]"].tolist() == [
    [2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]]
assert responses["anti-diagonal [[0,1],[1,0]]"].max() == 1  # never two bright pixels at once

# %% [markdown]
# The diagonal kernel fires (value 2) exactly along the line; the block kernel responds to
# any bright pixel, most on the line; the anti-diagonal kernel, the wrong direction, never
# sees two bright pixels at once. A CNN learns such detectors from data instead of having
# them written by hand.

# %%
fig, axes = plt.subplots(2, len(detectors) + 1, figsize=(3 * (len(detectors) + 1), 6))
axes[0, 0].imshow(diagonal_image, cmap="gray")
axes[0, 0].set_title("image")
axes[1, 0].axis("off")
for col, (name, detector) in enumerate(detectors.items(), start=1):
    axes[0, col].imshow(detector, cmap="gray", vmin=-1, vmax=1)
    axes[0, col].set_title(name.split(" [")[0] + " kernel", fontsize=10)
    shown = axes[1, col].imshow(responses[name], cmap="gray", vmin=-2, vmax=2)
    axes[1, col].set_title("correlation result", fontsize=10)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.4)  # from both rows: columns stay aligned
save(fig, "03_kernel_detectors.png")
