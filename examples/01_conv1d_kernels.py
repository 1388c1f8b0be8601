# %% [markdown]
# # 1-D convolution: ones, Gaussian and edge kernels (lesson 003)
#
# A convolution slides a small vector, the *kernel*, along the data; at every position it
# multiplies the overlapping numbers and adds them up. The data here is the lesson's
# "bump": 20 zeros, 20 ones, 20 zeros. Three kernels of length 5 do three different jobs:
#
# - **all ones** adds up 5 neighbours: a moving sum, so the bump becomes a ramp up to 5;
# - **Gaussian** takes a weighted average (the weights sum to 1): it smooths (blurs) the
#   sharp corners but keeps the height 1;
# - **"Canny" edge** `[-1, -1, 0, 1, 1]` subtracts the left neighbours from the right ones:
#   it is 0 where the data is flat and large where the data jumps: it finds edges.
#
# Run with `python examples/01_conv1d_kernels.py`; plots go to `$STRIDED_EXAMPLE_OUT`
# (default `./example_output`).

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
# ## The data and the three kernels
#
# The Gaussian kernel is $g_i = e^{-(i - 2)^2 / (2\sigma^2)}$ for $i = 0..4$ with
# $\sigma = 2$, divided by its sum; `strided.signal.gaussian_kernel1d(5, 2)` builds exactly
# the lesson's kernel.

# %%
data_vector = np.concatenate([np.zeros(20), np.ones(20), np.zeros(20)])

kernel_size = 5
kernel_ones = np.ones(kernel_size)
gaussian_kernel = np.exp(-((np.arange(kernel_size) - 2) ** 2) / (2 * 2**2))
gaussian_kernel /= gaussian_kernel.sum()
canny_kernel = np.array([-1, -1, 0, 1, 1])

assert np.allclose(gaussian_kernel, keras.signal.gaussian_kernel1d(5, 2))
assert np.array_equal(canny_kernel, keras.signal.CANNY_EDGE_1D)

kernels = {"Ones": kernel_ones, "Gaussian": gaussian_kernel, "Canny Edge": canny_kernel}
for name, kernel in kernels.items():
    print(f"{name:>10} kernel: {np.round(kernel, 4)}")

# %% [markdown]
# ## Convolve
#
# `mode="valid"` keeps only the positions where the kernel fits entirely inside the data,
# so 60 numbers become $60 - 5 + 1 = 56$. `strided.signal.convolve` gives the same numbers
# as `numpy.convolve`.

# %%
outputs = {name: keras.signal.convolve(data_vector, kernel, mode="valid")
           for name, kernel in kernels.items()}
for name, kernel in kernels.items():
    assert np.allclose(outputs[name], np.convolve(data_vector, kernel, mode="valid"))

ones_out, gauss_out, edge_out = outputs["Ones"], outputs["Gaussian"], outputs["Canny Edge"]
print("output length:", len(ones_out))
print("ones kernel: maximum", ones_out.max(), "(the sum of 5 ones)")
print(f"Gaussian kernel: maximum {gauss_out.max():.4f} (the weights sum to 1)")
# valid output i is centred on data index i + 2
falls = np.flatnonzero(edge_out == edge_out.min()) + 2
rises = np.flatnonzero(edge_out == edge_out.max()) + 2
print(f"edge kernel: {edge_out.min():+.0f} at data indices {falls}, "
      f"{edge_out.max():+.0f} at {rises}: the bump's edges "
      f"(it rises between 19 and 20, falls between 39 and 40), 0 where the data is flat")

# %% [markdown]
# ## Deep-learning "convolution" is correlation
#
# `numpy.convolve` flips the kernel before sliding it (the mathematical definition,
# $(f*g)[n] = \sum_k f[k]\,g[n-k]$). Convolution layers in Keras, PyTorch and strided do
# not flip: they compute a *cross-correlation*. So `strided.ops.conv` with the flipped
# kernel gives the convolution above. It wants a batch and a channel axis:
# input `(batch, length, channels)`, kernel `(width, in_channels, out_channels)`.

# %%
x = data_vector[None, :, None]                           # (1, 60, 1)
for name, kernel in kernels.items():
    flipped = kernel[::-1].astype(float)[:, None, None]  # (5, 1, 1)
    y = keras.ops.conv(x, flipped, padding="valid").numpy()[0, :, 0]
    assert np.allclose(y, outputs[name]), name
print("strided.ops.conv with the flipped kernel == strided.signal.convolve for all three kernels")
edge_correlation = keras.ops.conv(x, canny_kernel.astype(float)[:, None, None]).numpy()[0, :, 0]
print("without the flip the edge kernel's signs swap: at the rising edge",
      edge_correlation[17:19], "instead of", edge_out[17:19])

# %% [markdown]
# ## Plot
#
# The lesson's three panels: the data in black, the convolution in colour. Each output
# value is drawn at the centre of the window it came from (data index $i + 2$).

# %%
indices = np.arange(len(data_vector))
centres = np.arange(len(ones_out)) + kernel_size // 2
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
for ax, (name, values), colour in zip(axes, outputs.items(), ("orange", "red", "green")):
    ax.plot(indices, data_vector, color="black", label="data")
    ax.plot(centres, values, color=colour, label="convolution")
    ax.set_title(f"{name} kernel")
    ax.set_xlabel("index")
    ax.set_ylabel("value")
    ax.legend(loc="upper left")
fig.suptitle("1-D convolution of a bump (lesson 003)")
save(fig, "01_conv1d_kernels.png")

# %% [markdown]
# ## The slider, frozen
#
# The lesson moves a slider to watch the output being written from left to right. Here are
# three frames of that animation: the kernel's current window is shaded.

# %%
frames = (12, 22, 42)
fig, axes = plt.subplots(len(frames), 3, figsize=(15, 8), sharex=True)
for row, index in enumerate(frames):
    for col, (name, colour) in enumerate(zip(outputs, ("orange", "red", "green"))):
        values = outputs[name]
        ax = axes[row, col]
        ax.plot(indices, data_vector, color="black")
        done = centres <= index
        ax.plot(centres[done], values[done], color=colour)
        ax.axvspan(index - 2 - 0.5, index + 2 + 0.5, color="grey", alpha=0.25)
        ax.set_ylim(-2.5, 5.5)
        if row == 0:
            ax.set_title(f"{name} kernel")
        if col == 0:
            ax.set_ylabel(f"window at {index}")
fig.suptitle("The kernel sliding along the data")
save(fig, "01_conv1d_sliding.png")
