# %% [markdown]
# # Receptive fields (lesson 003)
#
# The **receptive field** of a unit is the patch of the input image that can change its
# value. A unit of the first 3x3 convolution sees 3x3 pixels. A unit of the second layer
# sees 3x3 units of the first, which together cover a larger patch, and so on: deeper
# layers see more of the image. Strides (and pooling) make the field grow faster, because
# neighbouring units of a strided layer lie further apart in the input. Lesson 003's
# recurrence:
#
# $$R_1 = k_1, \qquad R_L = R_{L-1} + (k_L - 1) \prod_{i=1}^{L-1} s_i .$$
#
# The product of the strides so far is the **jump**: how many input pixels apart two
# neighbouring units of layer $L-1$ are.

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
from matplotlib.patches import Rectangle
from PIL import Image

import strided as keras
from strided import layers, viz

OUT = Path(os.environ.get("STRIDED_EXAMPLE_OUT", "example_output"))
OUT.mkdir(parents=True, exist_ok=True)
keras.utils.set_random_seed(0)


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
# ## The lesson's worked example
#
# Layer 1: kernel 3, stride 1. Layer 2: kernel 5, stride 2. $R_1 = 3$ and
# $R_2 = 3 + (5 - 1) \cdot 1 = 7$. `strided.viz.receptive_field` takes a model, a list of
# layers, or `(kernel, stride)` pairs.

# %%
table = viz.receptive_field([(3, 1), (5, 2)])
print(table)
print("R_2 =", table[-1].size)
assert table[-1].size == (7, 7)

# %% [markdown]
# ## The formula against the lesson's function
#
# The lesson's interactive visualisation uses the same kernel and stride in every layer:

# %%
def calculate_receptive_field(kernel_size, stride, padding, num_layers):
    """Calculates the receptive field size after a number of convolutional layers."""
    rf = kernel_size
    for i in range(1, num_layers):
        rf = rf + (kernel_size - 1) * (stride**i)
    return rf


print("kernel stride layers  lesson  strided")
for kernel_size, stride, num_layers in [(3, 1, 1), (3, 1, 5), (3, 2, 3), (5, 2, 4), (7, 3, 3)]:
    lesson = calculate_receptive_field(kernel_size, stride, 0, num_layers)
    ours = viz.receptive_field([(kernel_size, stride)] * num_layers)[-1].size[0]
    print(f"{kernel_size:>6} {stride:>6} {num_layers:>6} {lesson:>7} {ours:>8}")
    assert lesson == ours

# %% [markdown]
# The lesson draws the field as a green square at the centre of the image. (Padding does
# not change the size of the field, only where it sits: with padding, the first unit's
# field starts before the image, in the zeros.)

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 4.5))
astronaut = np.asarray(Image.open(example_data("astronaut.png")).convert("RGB"))
for ax, (k, s, n) in zip(axes, [(3, 1, 1), (3, 1, 5), (3, 2, 3), (5, 2, 4)]):
    size = viz.receptive_field([(k, s)] * n)[-1].size[0]
    centre = astronaut.shape[0] // 2
    ax.imshow(astronaut)
    ax.add_patch(Rectangle((centre - size / 2, centre - size / 2), size, size,
                           facecolor="lime", alpha=0.5, edgecolor="lime", linewidth=2))
    ax.set_title(f"kernel {k}, stride {s}, {n} layer(s)\nRF size {size}x{size}")
    ax.axis("off")
save(fig, "10_receptive_field_sizes.png")

# %% [markdown]
# ## A real model: lesson 000's MNIST CNN
#
# Pooling layers count like convolutions (a 2x2 pooling with stride 2 is a "kernel" of 2
# with stride 2). `receptive_field(model)` gives, per layer: the field size, the jump and
# the centre of the first unit's field ("start"). Flatten ends the table: after it every
# unit sees the whole image.

# %%
def mnist_cnn(activation="relu", pooling=layers.MaxPooling2D):
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation=activation)(inputs)
    x = pooling(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation=activation)(x)
    x = pooling(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation=activation)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


model = mnist_cnn()
table = viz.receptive_field(model)
print(table)
last = table[-1]
print(f"a unit of {last.name} sees {last.size[0]}x{last.size[1]} of the 28x28 pixels")
assert last.size == (18, 18) and last.jump == (4, 4)

# %% [markdown]
# ## The empirical check: follow the gradient
#
# Which input pixels influence one unit? Exactly those where the gradient of that unit
# with respect to the input is non-zero. We build a model ending at the last convolution,
# feed a random image, backpropagate from one unit and compare the non-zero region of the
# input gradient with the field the formula predicts.
#
# With ReLU and max pooling some paths are switched off for a given input (a ReLU that
# outputs 0, the non-maximal pixels of a pooling window), so the gradient may reach only
# part of the field. For a clean check we use the same architecture with linear
# activations and average pooling, where every path is open: there the non-zero region
# must be exactly the field.

# %%
def gradient_region(model, layer_name, position, image):
    """Bounding box ((top, bottom), (left, right)) of the input pixels with a non-zero
    gradient of unit `position` of `layer_name` (its most active channel), and the gradient."""
    feature_model = keras.Model(inputs=model.inputs, outputs=model.get_layer(layer_name).output)
    x = keras.Tensor(image[None], requires_grad=True)
    y = feature_model(x)
    channel = int(np.argmax(y.numpy()[0, position[0], position[1]]))
    y[0, position[0], position[1], channel].backward()
    gradient = np.abs(x.grad[0, :, :, 0])
    rows, cols = np.nonzero(gradient)
    return ((int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max()))), gradient


image = np.random.default_rng(1).random((28, 28, 1)).astype("float32")
linear = mnist_cnn(activation=None, pooling=layers.AveragePooling2D)
linear_table = viz.receptive_field(linear)
last_conv = linear_table[-1].name

print(f"unit of {last_conv}   formula field            gradient non-zero in")
for position in [(0, 0), (1, 1), (2, 0), (2, 2)]:
    predicted = linear_table.field(position)
    measured, gradient = gradient_region(linear, last_conv, position, image)
    print(f"{position!s:<17} rows {predicted[0]}, cols {predicted[1]}   "
          f"rows {measured[0]}, cols {measured[1]}")
    (top, bottom), (left, right) = predicted
    assert measured == predicted
    assert np.all(gradient[top:bottom + 1, left:right + 1] != 0)    # every pixel of the box
print("the gradient is non-zero exactly inside the computed receptive field")

# %% [markdown]
# With ReLU and max pooling the gradient stays inside the field too (here the many channels
# between input and unit still reach almost every pixel of it):

# %%
relu_box, relu_gradient = gradient_region(model, table[-1].name, (1, 1), image)
(top, bottom), (left, right) = table.field((1, 1))
inside = relu_gradient[top:bottom + 1, left:right + 1]
assert np.count_nonzero(relu_gradient) == np.count_nonzero(inside)   # nothing outside the field
print(f"ReLU + max pooling: {np.count_nonzero(inside)} of {inside.size} pixels of the field "
      f"have a non-zero gradient; none outside it")

_, linear_gradient = gradient_region(linear, last_conv, (1, 1), image)
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, gradient, title in ((axes[0], linear_gradient, "linear + average pooling"),
                            (axes[1], relu_gradient, "ReLU + max pooling")):
    ax.imshow(gradient, cmap="magma")
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1,
                           facecolor="none", edgecolor="lime", linewidth=2))
    ax.set_title(f"|d unit (1,1) / d input|: {title}", fontsize=10)
    ax.axis("off")
fig.suptitle(f"Receptive field of {last_conv} unit (1, 1): "
             f"rows {top}-{bottom}, columns {left}-{right}")
save(fig, "10_gradient_check.png")

# %% [markdown]
# ## Drawing a field on an image
#
# `viz.plot_receptive_field(model, image)` shades the field of the unit nearest the image
# centre (or of any `position=`). Here a stack of five 3x3 convolutions with stride 2, as
# in the lesson's interactive visualisation, on the 256x256 astronaut.

# %%
five_strided = keras.Sequential([keras.Input(shape=(256, 256, 3))] +
                                [layers.Conv2D(4, 3, strides=2) for _ in range(5)])
print(viz.receptive_field(five_strided))
fig = viz.plot_receptive_field(five_strided, astronaut)
save(fig, "10_receptive_field_astronaut.png")
