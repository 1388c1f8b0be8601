# %% [markdown]
# # im2col: a convolution as one matrix product (lesson 003)
#
# Sliding a kernel over an image with Python loops is slow. The trick behind fast CNN
# libraries (and behind `strided.ops.conv`): copy every patch the kernel visits into one
# row of a matrix ("image to columns", **im2col**), flatten the kernels into another
# matrix, and do a single matrix multiplication (**GEMM**, the BLAS routine tuned for
# decades). The output has size
#
# $$H' = \left\lfloor \frac{H - k_h + 2p}{s} \right\rfloor + 1, \qquad
#   W' = \left\lfloor \frac{W - k_w + 2p}{s} \right\rfloor + 1,$$
#
# the patch matrix is $(k_h k_w C) \times (H' W')$ and the kernel matrix
# $O \times (k_h k_w C)$. NumPy's `as_strided` builds the patches as a *view*: no pixel is
# copied until the final reshape.

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
from numpy.lib.stride_tricks import as_strided
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
# ## Step 0: one image, one kernel
#
# As in the lesson: the astronaut downsampled to 32x32, channels first (3, 32, 32), and a
# 3x5x5 Gaussian kernel (the same 2-D Gaussian on every channel).

# %%
astronaut = Image.open(example_data("astronaut.png")).convert("RGB").resize((32, 32))
image = np.asarray(astronaut, dtype=np.float64).transpose(2, 0, 1) / 255.0   # (C, H, W)
print("image (C, H, W):", image.shape)


def generate_2d_gaussian_kernel(kernel_channels, kernel_height, kernel_width, sigma):
    """The lesson's helper: one normalised 2-D Gaussian, stacked over the channels."""
    gaussian_2d = keras.signal.gaussian_kernel2d((kernel_height, kernel_width), sigma)
    return np.repeat(gaussian_2d[None], kernel_channels, axis=0)


kernel = generate_2d_gaussian_kernel(3, 5, 5, sigma=1.0)
print("kernel (C, k_h, k_w):", kernel.shape)

# %% [markdown]
# ## Step 1: im2col with `as_strided`
#
# `as_strided` reinterprets the image's memory with a new shape and new *strides* (how
# many bytes one step along each axis moves). The view has shape
# $(H', W', C, k_h, k_w)$: element $[i, j, c, a, b]$ is pixel $(c, i\,s + a, j\,s + b)$, so
# a step along $i$ moves $s$ rows, a step along $a$ moves one row.

# %%
def im2col(image, kernel_size, stride=1):
    """The lesson's im2col for one (C, H, W) image: (k_c*k_h*k_w, H'*W') patches, H', W'."""
    C, H, W = image.shape
    k_c, k_h, k_w = kernel_size
    assert k_c == C, "Kernel channels and image channels mismatch."
    out_h = (H - k_h) // stride + 1
    out_w = (W - k_w) // stride + 1
    out_shape = (out_h, out_w, k_c, k_h, k_w)
    channel_bytes, row_bytes, column_bytes = image.strides
    strides = (
        row_bytes * stride,       # next output row: `stride` rows down
        column_bytes * stride,    # next output column: `stride` columns right
        channel_bytes,            # next channel of the patch
        row_bytes,                # next row inside the patch
        column_bytes,             # next column inside the patch
    )
    patches = as_strided(image, shape=out_shape, strides=strides, writeable=False)
    return patches.reshape(-1, k_h * k_w * k_c).T, out_h, out_w


patches, out_h, out_w = im2col(image, kernel_size=kernel.shape, stride=1)
print(f"H' = (32 - 5) // 1 + 1 = {out_h}; patch matrix: {patches.shape} "
      f"(5*5*3 = 75 numbers per patch, {out_h}*{out_w} = {out_h * out_w} patches)")

# Patch number 0 is the top-left 3x5x5 block of the image, flattened:
assert np.array_equal(patches[:, 0], image[:, 0:5, 0:5].ravel())
# Patch (row 4, column 7) starts at pixel (4, 7):
assert np.array_equal(patches[:, 4 * out_w + 7], image[:, 4:9, 7:12].ravel())

# %% [markdown]
# ## Step 2: the GEMM
#
# Flatten the kernel to a 1x75 row; one matrix product computes all 784 outputs at once.

# %%
flattened_kernel = kernel.reshape(-1, 5 * 5 * 3)             # (1, 75)
feature_map = np.dot(flattened_kernel, patches)               # (1, 784)
print("GEMM:", flattened_kernel.shape, "@", patches.shape, "->", feature_map.shape)

# %% [markdown]
# ## Step 3: reshape back
#
# The 784 numbers are the output pixels in row order: reshape to (1, H', W').

# %%
feature_map = feature_map.reshape(1, out_h, out_w)
print("feature map (O, H', W'):", feature_map.shape)

# %% [markdown]
# ## Check against `strided.ops.conv`
#
# `strided.ops.conv` works channels-last: image `(N, H, W, C)`, kernel
# `(k_h, k_w, C, O)`. Transpose ours into that layout and compare. Like Keras, strided
# computes in float32 (`keras.floatx()`) unless given float64 tensors; the lesson's NumPy
# code is float64, so we hand strided float64 tensors and expect agreement to ~1e-15.

# %%
x = image.transpose(1, 2, 0)[None]                       # (1, 32, 32, 3)
w = kernel.transpose(1, 2, 0)[:, :, :, None]              # (5, 5, 3, 1)
reference = keras.ops.conv(keras.Tensor(x, dtype="float64"), keras.Tensor(w, dtype="float64"),
                           strides=1, padding="valid").numpy()   # (1, 28, 28, 1)
difference = np.abs(reference[0, :, :, 0] - feature_map[0]).max()
print(f"im2col + GEMM vs strided.ops.conv: max difference {difference:.2e}")
assert difference < 1e-5

# also through a Keras Conv2D layer (float32) holding the same weights
layer = keras.layers.Conv2D(1, 5, use_bias=False)
layer.build((None, 32, 32, 3))
layer.set_weights([w])
layer_difference = np.abs(layer(x).numpy() - reference).max()
print(f"layers.Conv2D (float32) vs float64 GEMM: max difference {layer_difference:.2e}")
assert layer_difference < 1e-5

fig, axes = plt.subplots(1, 3, figsize=(12, 4))
axes[0].imshow(image.transpose(1, 2, 0))
axes[0].set_title("input 32x32x3")
axes[1].imshow(feature_map[0], cmap="gray")
axes[1].set_title("im2col + GEMM, 28x28")
axes[2].imshow(reference[0, :, :, 0], cmap="gray")
axes[2].set_title("strided.ops.conv, 28x28")
for ax in axes:
    ax.axis("off")
save(fig, "05_im2col.png")

# %% [markdown]
# ## A batch, many filters, stride and padding (exercise 4.1)
#
# The same three steps for a batch of $B$ images and $O$ kernels: pad, build a
# $(B, H', W', C, k_h, k_w)$ view, reshape it to a $(B H' W') \times (C k_h k_w)$ matrix,
# multiply by the $(C k_h k_w) \times O$ kernel matrix, and reshape to $(B, O, H', W')$.
# The lesson's test: 8 images 1x28x28, 3 kernels of 5x5, stride 2, padding 2 give
# $\lfloor (28 - 5 + 4)/2 \rfloor + 1 = 14$.

# %%
def conv2d_forward(X, kernels, bias, stride, padding):
    """Batched convolution (cross-correlation) by im2col + GEMM, channels first as the lesson.

    X: (B, C, H, W); kernels: (O, C, k_h, k_w); bias: (O,). Returns (B, O, H', W') and the
    im2col matrix (B*H'*W', C*k_h*k_w), which the backward pass needs.
    """
    B, C, H, W = X.shape
    O, _, k_h, k_w = kernels.shape
    X_padded = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h = (H + 2 * padding - k_h) // stride + 1
    out_w = (W + 2 * padding - k_w) // stride + 1
    b_bytes, c_bytes, h_bytes, w_bytes = X_padded.strides
    view = as_strided(
        X_padded,
        shape=(B, out_h, out_w, C, k_h, k_w),
        strides=(b_bytes, h_bytes * stride, w_bytes * stride, c_bytes, h_bytes, w_bytes),
        writeable=False,
    )
    cols = view.reshape(B * out_h * out_w, C * k_h * k_w)
    output = kernels.reshape(O, -1) @ cols.T                   # (O, B*H'*W'): the GEMM
    output = output.reshape(O, B, out_h, out_w).transpose(1, 0, 2, 3)
    return output + bias.reshape(1, O, 1, 1), cols


rng = np.random.default_rng(0)
X = rng.standard_normal((8, 1, 28, 28))
kernels = rng.standard_normal((3, 1, 5, 5)) * np.sqrt(2 / 25)
bias = rng.standard_normal(3) * 0.01
out, cols = conv2d_forward(X, kernels, bias, stride=2, padding=2)
print(f"Shape of the input image is: {X.shape} -> after applying Conv2D -> "
      f"Shape of out is: {out.shape}.")
assert out.shape == (8, 3, 14, 14)

# strided: channels_first input, kernel (k_h, k_w, C, O)
reference = keras.ops.conv(keras.Tensor(X, dtype="float64"),
                           keras.Tensor(kernels.transpose(2, 3, 1, 0), dtype="float64"),
                           strides=2, padding=2, data_format="channels_first").numpy()
reference += bias.reshape(1, 3, 1, 1)
batch_difference = np.abs(out - reference).max()
print(f"batched im2col vs strided.ops.conv: max difference {batch_difference:.2e}")
assert batch_difference < 1e-5

# %% [markdown]
# ## The backward pass and col2im
#
# Given $\delta = \partial L / \partial \text{output}$, the lesson's backward pass is two
# more GEMMs: $\partial L/\partial K = \delta \cdot \text{cols}$ and
# $\partial L/\partial \text{cols} = K^T \delta$. **col2im** scatters the patch gradients back
# onto the image, *adding* where patches overlap. strided's autograd computes the same
# gradients; compare them.

# %%
def col2im(dcols, input_shape, kernel_size, stride, padding):
    """(B*H'*W', C*k_h*k_w) patch gradients -> (B, C, H, W), summed where patches overlap."""
    B, C, H, W = input_shape
    k_h, k_w = kernel_size
    Hp, Wp = H + 2 * padding, W + 2 * padding
    out_h, out_w = (Hp - k_h) // stride + 1, (Wp - k_w) // stride + 1
    patches = dcols.reshape(B, out_h, out_w, C, k_h, k_w).transpose(0, 3, 4, 5, 1, 2)
    padded = np.zeros((B, C, Hp, Wp))
    for a in range(k_h):            # a loop over kernel offsets, never over pixels
        for b in range(k_w):
            rows = slice(a, a + stride * out_h, stride)
            columns = slice(b, b + stride * out_w, stride)
            padded[:, :, rows, columns] += patches[:, :, a, b]
    return padded[:, :, padding:Hp - padding, padding:Wp - padding]


delta = rng.standard_normal(out.shape)                                   # dL/d(output)
delta_matrix = delta.transpose(1, 0, 2, 3).reshape(3, -1)                # (O, B*H'*W')
grad_kernels = (delta_matrix @ cols).reshape(kernels.shape)              # (O, C, k_h, k_w)
grad_bias = delta.sum(axis=(0, 2, 3))
grad_X = col2im((kernels.reshape(3, -1).T @ delta_matrix).T, X.shape, (5, 5), 2, 2)

x_t = keras.Tensor(X, requires_grad=True, dtype="float64")
k_t = keras.Tensor(kernels.transpose(2, 3, 1, 0), requires_grad=True, dtype="float64")
y_t = keras.ops.conv(x_t, k_t, strides=2, padding=2, data_format="channels_first")
y_t.backward(delta)
grad_difference = max(
    np.abs(grad_X - x_t.grad).max(),
    np.abs(grad_kernels - k_t.grad.transpose(3, 2, 0, 1)).max(),
)
print(f"backward (GEMM + col2im) vs strided autograd: max difference {grad_difference:.2e}")
print("bias gradient (sum of delta over batch, height, width):", np.round(grad_bias, 3))
assert grad_difference < 1e-5

# %% [markdown]
# ## Exercise 4.2.3: chaining the size formula
#
# Conv1 (kernel 5, padding 4, stride 4, 4 filters) then Conv2 (kernel 3, padding 2,
# stride 1, 8 filters) on a batch of 12 images with 2 channels, 64x64:
# $\lfloor (64 - 5 + 8)/4 \rfloor + 1 = 17$, then $(17 - 3 + 4)/1 + 1 = 19$.

# %%
def output_size(size, kernel, padding, stride):
    return (size - kernel + 2 * padding) // stride + 1


h1 = output_size(64, 5, 4, 4)
h2 = output_size(h1, 3, 2, 1)
x = rng.standard_normal((12, 2, 64, 64))
y = keras.ops.conv(x, rng.standard_normal((5, 5, 2, 4)), strides=4, padding=4,
                   data_format="channels_first")
y = keras.ops.conv(y, rng.standard_normal((3, 3, 4, 8)), strides=1, padding=2,
                   data_format="channels_first")
print(f"formula: 64 -> {h1} -> {h2}; strided: {tuple(y.shape)}")
assert tuple(y.shape) == (12, 8, h2, h2) == (12, 8, 19, 19)
