# %% [markdown]
# # Looking inside: feature maps and filters (lessons 000, 001, 002)
#
# Every Conv2D filter produces a **feature map**: an image showing where in the input its
# pattern appears. Lesson 002 takes three test images of the same class (label 7,
# "Sneaker"), runs them through a trained CNN and shows, for each Conv2D and MaxPooling2D
# layer, the map of one chosen filter (`CONVOLUTION_NUMBER`): a 3 images x 4 layers grid.
# If a filter has learned something about sneakers, its maps look alike for the three
# images. Deeper maps are smaller (pooling halves them) and more abstract.
#
# The lesson's way is a second model with several outputs, the **activation model**:
# `Model(inputs=model.inputs, outputs=[layer.output for layer in ...])`. strided's
# `viz.plot_feature_maps` draws the same grid in one call.

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
from strided import viz

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"   # a few hundred images, one epoch
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


# %% [markdown]
# ## Data and a trained model
#
# Lesson 002's Fashion-MNIST CNN, trained briefly (the full Fashion-MNIST for 5 epochs when
# it is on this machine; the bundled sample, or a few hundred images in quick mode).

# %%
from strided.datasets import DatasetError, DatasetNotFoundError, fashion_mnist


def load_fashion_mnist():
    """The real Fashion-MNIST if it is on this machine (never in quick mode), else the sample."""
    if not QUICK:
        try:
            return fashion_mnist.load_data(download=False)
        except (DatasetNotFoundError, DatasetError) as error:
            print(f"Fashion-MNIST is not available ({type(error).__name__}): using the sample")
    return fashion_mnist.load_data(sample=True)


(training_images, training_labels), (testing_images, testing_labels) = load_fashion_mnist()
print("data:", fashion_mnist.source)
training_images = (training_images / 255.0).astype("float32")
testing_images = (testing_images / 255.0).astype("float32")
if QUICK:
    training_images, training_labels = training_images[:512], training_labels[:512]

model = keras.models.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.layers.Conv2D(64, (3, 3), activation="relu"),
    keras.layers.MaxPool2D(2, 2),
    keras.layers.Conv2D(64, (3, 3), activation="relu"),
    keras.layers.MaxPool2D(2, 2),
    keras.layers.Flatten(),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(training_images, training_labels, epochs=1 if QUICK else 5, verbose=2)

# %% [markdown]
# ## Three images of the same class
#
# In the real test set the lesson picks images 9, 22 and 45 (all label 7) among the first
# 50. We do the same with whatever test set we have (looking further when the first 50
# hold fewer than three).

# %%
sevens = [i for i in range(50) if testing_labels[i] == 7]
if len(sevens) < 3:
    sevens = [i for i in range(len(testing_labels)) if testing_labels[i] == 7][:7]
print("label-7 images:", sevens)
FIRST_IMAGE, SECOND_IMAGE, THIRD_IMAGE = sevens[0], sevens[len(sevens) // 2], sevens[-1]
CONVOLUTION_NUMBER = 2
LAYERS_TO_VIZUALIZE = [keras.layers.Conv2D, keras.layers.MaxPooling2D]
print("images:", FIRST_IMAGE, SECOND_IMAGE, THIRD_IMAGE, "- class:", fashion_mnist.CLASS_NAMES[7])

# %% [markdown]
# ## The lesson's activation model
#
# One output per Conv2D / MaxPooling2D layer: `predict` returns a list of four arrays.

# %%
print(model.layers)
layer_outputs = [layer.output for layer in model.layers if type(layer) in LAYERS_TO_VIZUALIZE]
print(layer_outputs)
activation_model = keras.models.Model(inputs=model.inputs, outputs=layer_outputs)

f, axis = plt.subplots(3, len(layer_outputs), figsize=(10, 7.5))
for x in range(len(layer_outputs)):
    f1 = activation_model.predict(testing_images[FIRST_IMAGE].reshape(1, 28, 28, 1),
                                  verbose=False)[x]
    axis[0, x].imshow(f1[0, :, :, CONVOLUTION_NUMBER], cmap="inferno")
    axis[0, x].grid(False)
    f2 = activation_model.predict(testing_images[SECOND_IMAGE].reshape(1, 28, 28, 1),
                                  verbose=False)[x]
    axis[1, x].imshow(f2[0, :, :, CONVOLUTION_NUMBER], cmap="inferno")
    axis[1, x].grid(False)
    f3 = activation_model.predict(testing_images[THIRD_IMAGE].reshape(1, 28, 28, 1),
                                  verbose=False)[x]
    axis[2, x].imshow(f3[0, :, :, CONVOLUTION_NUMBER], cmap="inferno")
    axis[2, x].grid(False)
names = [layer.name for layer in model.layers if type(layer) in LAYERS_TO_VIZUALIZE]
for x, name in enumerate(names):
    axis[0, x].set_title(name)
save(f, "08_feature_maps_lesson.png")
outputs = activation_model.predict(testing_images[:1], verbose=False)
print("feature map shapes:", [tuple(o.shape) for o in outputs])

# %% [markdown]
# ## The same grid with `strided.viz.plot_feature_maps`
#
# One call, with the input images as a first column. The arrays are identical to the
# activation model's. (The images get their channel axis, (3, 28, 28, 1), as in the
# lesson's `.reshape(1, 28, 28, 1)`.)

# %%
three = testing_images[[FIRST_IMAGE, SECOND_IMAGE, THIRD_IMAGE]].reshape(3, 28, 28, 1)
maps = viz.feature_maps(model, three)
lesson_maps = activation_model.predict(three, verbose=False)
for (name, values), from_lesson in zip(maps.items(), lesson_maps):
    assert np.allclose(values, from_lesson, atol=1e-6), name
print({name: values.shape for name, values in maps.items()})

fig = viz.plot_feature_maps(model, three, filter_index=CONVOLUTION_NUMBER, show_input=True)
save(fig, "08_feature_maps_filter2.png")

# %% [markdown]
# Another filter, number 30, as the lesson does next: it responds to different parts of
# the sneakers.

# %%
fig = viz.plot_feature_maps(model, three, filter_index=30, show_input=True)
save(fig, "08_feature_maps_filter30.png")

# %% [markdown]
# ## The filters themselves (lesson 001)
#
# The first layer's 64 kernels are 3x3 images: `viz.plot_filters` draws them, like lesson
# 001's `plot_filters(model, 'conv2d')`. Bright weights add, dark ones subtract: many look
# like little edge detectors.

# %%
first_conv = model.layers[0].name
kernel, bias = model.get_layer(first_conv).get_weights()
print(f"{first_conv}: kernel {kernel.shape}, bias {bias.shape}")
fig = viz.plot_filters(model, first_conv)
save(fig, "08_filters.png")

# %% [markdown]
# ## An untrained layer (lesson 000)
#
# Lesson 000 runs one image through a fresh Conv2D with random filters and shows six maps:
# even random kernels already act as crude edge and blob detectors.

# %%
img_input = testing_images[1].reshape(1, 28, 28, 1)
inputs = keras.Input(shape=(28, 28, 1))
conv = keras.layers.Conv2D(100, kernel_size=3, activation="relu")(inputs)
random_model = keras.Model(inputs, conv)
feature_maps = random_model.predict(img_input, verbose=0)
print("feature maps:", feature_maps.shape)

fig, axes = plt.subplots(1, 6, figsize=(12, 2.6))  # six square tiles: no empty band
for i in range(6):
    axes[i].imshow(feature_maps[0, :, :, i], cmap="gray")
    axes[i].axis("off")
    axes[i].set_title(f"Filter {i + 1}")
fig.suptitle("Filter Activations", fontsize=16)
save(fig, "08_random_filters.png")
