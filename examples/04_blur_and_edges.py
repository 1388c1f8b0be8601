# %% [markdown]
# # Gaussian blur and edge detection on a photograph (lesson 003)
#
# Long before deep learning, image processing used hand-made kernels. A **Gaussian**
# kernel replaces every pixel by a weighted average of its neighbourhood, weights
# $\propto e^{-(x^2 + y^2)/(2\sigma^2)}$: the image gets blurred, more with a larger
# $\sigma$. An **edge** kernel such as Sobel's
#
# $$G_x = \begin{bmatrix} -1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1 \end{bmatrix}, \qquad G_y = G_x^T$$
#
# subtracts the left column from the right one (or the top row from the bottom one): zero on
# flat regions, large where the brightness changes. Edges are where the gradient magnitude
# $\sqrt{g_x^2 + g_y^2}$ is large. The first layer of a trained CNN learns kernels that look
# a lot like these.
#
# The photograph is NASA's portrait of astronaut Eileen Collins (public domain; the image
# behind scikit-image's `data.astronaut()`), shipped at 256x256 in `examples/data/`.

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
from PIL import Image

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


def example_data(name):
    """Find examples/data/<name> from the script, from examples/notebooks/ or from the repo root."""
    here = [Path(__file__).resolve().parent] if "__file__" in globals() else []
    for folder in here + [Path.cwd(), Path.cwd().parent, Path.cwd() / "examples"]:
        if (folder / "data" / name).is_file():
            return folder / "data" / name
    raise FileNotFoundError(f"examples/data/{name} not found; run from the repository or examples/")


# %% [markdown]
# ## Load the photograph
#
# Pillow reads the PNG; we work with float32 values in [0, 1], shape (height, width, 3).

# %%
img = Image.open(example_data("astronaut.png")).convert("RGB")
rgb = np.asarray(img, dtype="float32") / 255.0
gray = np.asarray(img.convert("L"), dtype="float32") / 255.0
print("image:", rgb.shape, rgb.dtype, "grayscale:", gray.shape)

# %% [markdown]
# ## Gaussian blur with `strided.signal.convolve2d`
#
# `gaussian_kernel2d(size, sigma)` is the lesson's `generate_2d_gaussian_kernel`: normalised
# to sum 1, so a flat region keeps its brightness. Covering $\pm 3\sigma$ needs a kernel of
# about $6\sigma + 1$ pixels. `mode="same"` keeps the image size; `boundary="symm"` mirrors
# the image at its border instead of padding with black.

# %%
sigma = 2.5
size = int(6 * sigma) | 1                      # odd: 15
gaussian = keras.signal.gaussian_kernel2d(size, sigma).astype("float32")
print(f"Gaussian kernel {gaussian.shape}, sigma {sigma}, sum {gaussian.sum():.4f}")

blurred_signal = np.stack(
    [keras.signal.convolve2d(rgb[:, :, c], gaussian, mode="same", boundary="symm")
     for c in range(3)],
    axis=-1,
)

# %% [markdown]
# ## The same blur with `strided.ops.conv`, the maths of a Conv2D layer
#
# A Conv2D kernel has shape `(k_h, k_w, in_channels, out_channels)`. Blurring each colour
# channel on its own is a *grouped* (depthwise) convolution: a kernel of shape
# `(k, k, 1, 3)` makes `ops.conv` use one input channel per output channel. Padding the
# image ourselves with `np.pad(..., mode="symmetric")` and using `padding="valid"` gives
# the same border handling as `boundary="symm"`; the Gaussian is symmetric, so correlation
# (what `ops.conv` computes) and convolution agree.

# %%
half = size // 2
padded = np.pad(rgb, ((half, half), (half, half), (0, 0)), mode="symmetric")
depthwise_kernel = np.repeat(gaussian[:, :, None, None], 3, axis=3)     # (15, 15, 1, 3)
blurred = keras.ops.conv(padded[None], depthwise_kernel, padding="valid").numpy()[0]
print("blurred:", blurred.shape)
blur_difference = np.abs(blurred - blurred_signal).max()
print(f"max |ops.conv - signal.convolve2d| = {blur_difference:.2e}")
assert blur_difference < 1e-5

# %% [markdown]
# `padding="same"` would pad with zeros instead: the border gets darker, because part of
# the kernel then averages black pixels.

# %%
zero_padded = keras.ops.conv(rgb[None], depthwise_kernel, padding="same").numpy()[0]
print(f"mean brightness of the outer 5-pixel frame: mirrored {blurred[:5].mean():.3f}, "
      f"zero padding {zero_padded[:5].mean():.3f}")

# %% [markdown]
# ## Edges with Sobel kernels
#
# Two 3x3 kernels stacked into one Conv2D kernel of shape `(3, 3, 1, 2)`: one call gives two
# output channels, $g_x$ (vertical edges) and $g_y$ (horizontal edges), exactly like a
# Conv2D layer with `filters=2`. A light blur first ($\sigma = 1$) keeps the pixel noise
# from counting as edges, as the lesson's Canny detector does; mirroring the image at its
# border first (and `padding="valid"`) keeps the border from looking like an edge. Pixels
# whose gradient magnitude is in the top 10% are marked as edges (Canny would also thin the
# edges to one pixel and follow them; this is the simple version).

# %%
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32")
sobel_y = sobel_x.T
sobel = np.stack([sobel_x, sobel_y], axis=-1)[:, :, None, :]           # (3, 3, 1, 2)

smooth = keras.signal.gaussian_kernel2d(7, 1.0).astype("float32")[:, :, None, None]
gray_padded = np.pad(gray, 3 + 1, mode="symmetric")[None, :, :, None]       # (1, 264, 264, 1)
gray_smooth = keras.ops.conv(gray_padded, smooth)                           # (1, 258, 258, 1)
gradients = keras.ops.conv(gray_smooth, sobel).numpy()[0]                   # (256, 256, 2)
gx, gy = gradients[..., 0], gradients[..., 1]
magnitude = np.sqrt(gx**2 + gy**2)
edges = magnitude > np.percentile(magnitude, 90)
print(f"gradients: {gradients.shape}; magnitude max {magnitude.max():.2f}, "
      f"edge pixels {edges.mean():.1%}")

# Check one output pixel by hand: the Sobel x response is (right column - left column).
i, j = 100, 120                     # output (i, j) reads smoothed pixels (i..i+2, j..j+2)
window = gray_smooth.numpy()[0, i:i + 3, j:j + 3, 0]
assert np.isclose(gx[i, j], np.sum(window * sobel_x), atol=1e-5)

# %% [markdown]
# ## What a kernel detects
#
# $g_x$ is positive where the image gets brighter to the right and negative where it gets
# darker: it finds vertical edges. $g_y$ finds horizontal ones. The magnitude combines both.

# %%
fig, axes = plt.subplots(2, 3, figsize=(14, 9.5))
panels = [
    (rgb, "original", None),
    (np.clip(blurred, 0, 1), f"Gaussian blur, sigma={sigma} (ops.conv)", None),
    (edges, "edges: top 10% of |gradient|", "gray"),
    (gx, "Sobel x: vertical edges", "RdBu_r"),
    (gy, "Sobel y: horizontal edges", "RdBu_r"),
    (magnitude, "gradient magnitude", "inferno"),
]
for ax, (picture, title, cmap) in zip(axes.flat, panels):
    if cmap == "RdBu_r":
        limit = np.percentile(np.abs(picture), 99.5)
        ax.imshow(picture, cmap=cmap, vmin=-limit, vmax=limit)
    else:
        ax.imshow(picture, cmap=cmap)
    ax.set_title(title)
    ax.axis("off")
fig.suptitle("Convolution as image processing (lesson 003)")
save(fig, "04_blur_and_edges.png")

# %% [markdown]
# ## More blur
#
# A larger $\sigma$ averages over a wider neighbourhood.

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 4.5))
for ax, s in zip(axes, (0.5, 1.5, 3.0, 5.0)):
    k = int(6 * s) | 1
    kernel = keras.signal.gaussian_kernel2d(k, s).astype("float32")[:, :, None, None]
    kernel = np.repeat(kernel, 3, axis=3)                                # (k, k, 1, 3)
    pad = np.pad(rgb, ((k // 2, k // 2), (k // 2, k // 2), (0, 0)), mode="symmetric")
    ax.imshow(np.clip(keras.ops.conv(pad[None], kernel).numpy()[0], 0, 1))
    ax.set_title(f"sigma = {s} ({k}x{k} kernel)")
    ax.axis("off")
save(fig, "04_blur_sigmas.png")
