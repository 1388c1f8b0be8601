# %% [markdown]
# # Transfer learning: reuse what a network learned on one task for another (lesson 001)
#
# The lesson loads VGG16 trained on ImageNet, freezes it, puts a new classifier on top,
# trains only that, then unfreezes the last layers and fine-tunes them with a much lower
# learning rate. The convolutional base has already learned edges, textures and shapes;
# the new task only has to learn how to combine them, which needs far fewer labelled images.
#
# Here the same recipe runs offline, on Fashion-MNIST, in a few minutes on a CPU:
#
# 1. **Pretraining** (stands in for ImageNet): lesson 002's Fashion-MNIST CNN
#    (`applications.fashion_cnn`) learns the five *clothes* classes (T-shirt, trouser,
#    pullover, dress, coat) from thousands of images; its weights are saved to a file.
# 2. **Transfer**: the five *other* classes (sandal, shirt, sneaker, bag, ankle boot) with only
#    five labelled images each. A fresh copy of the network loads the file; its convolutional
#    base (conv, pool, conv, pool) gets `trainable = False` and a new head is trained on top;
#    then the last convolution is unfrozen and fine-tuned with Adam(1e-4).
# 3. **From scratch**: the same network, randomly initialised, trained on the same few images
#    for the same number of epochs.
#
# The script prints both test accuracies and the gain. With pretrained ImageNet weights in the
# cache (`applications.VGG16(weights="imagenet", include_top=False)`, see
# `strided.applications`), the same code applies to colour photographs.
#
# `STRIDED_EXAMPLE_QUICK=1` shrinks everything to a few seconds (for the test suite).

# %%
import os
from pathlib import Path

import numpy as np

import strided as keras
from strided import applications, layers
from strided.datasets import fashion_mnist

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"
OUT = Path(os.environ.get("STRIDED_EXAMPLE_OUT", "example_output"))
OUT.mkdir(parents=True, exist_ok=True)
keras.utils.set_random_seed(42)

SOURCE_CLASSES = [0, 1, 2, 3, 4]  # T-shirt/top, Trouser, Pullover, Dress, Coat
TARGET_CLASSES = [5, 6, 7, 8, 9]  # Sandal, Shirt, Sneaker, Bag, Ankle boot
PER_CLASS = 5  # labelled images per target class
PRETRAIN_IMAGES = 1000 if QUICK else 12000
EPOCHS = (1, 2) if QUICK else (3, 15)  # (pretraining, each later stage)

# %% [markdown]
# ## The data
# Real Fashion-MNIST if a copy is found (no download is attempted), else the bundled sample.

# %%
try:
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(download=False)
except (OSError, ValueError):  # no local copy: the 3,000-image sample shipped with strided
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)


def prepare(images):
    return (images[..., None] / 255.0).astype("float32")


def select(x, y, classes, limit=None, per_class=None, seed=0):
    """Images of `classes`, relabelled 0..len(classes)-1; optionally a few per class."""
    rng = np.random.default_rng(seed)
    keep = []
    for label in classes:
        positions = np.flatnonzero(y == label)
        if per_class is not None:
            positions = rng.choice(positions, per_class, replace=False)
        keep.append(positions)
    keep = rng.permutation(np.concatenate(keep))[:limit]
    relabel = {c: i for i, c in enumerate(classes)}
    return prepare(x[keep]), np.array([relabel[v] for v in y[keep]])


x_source, y_source = select(x_train, y_train, SOURCE_CLASSES, limit=PRETRAIN_IMAGES)
x_few, y_few = select(x_train, y_train, TARGET_CLASSES, per_class=PER_CLASS, seed=1)
x_eval, y_eval = select(x_test, y_test, TARGET_CLASSES, limit=500 if QUICK else None)
print(
    f"pretraining on {len(x_source)} images; target task: {len(x_few)} labelled images, "
    f"{len(x_eval)} test images"
)

# %% [markdown]
# ## 1. Pretraining on the source classes

# %%
source_model = applications.fashion_cnn(classes=len(SOURCE_CLASSES))
source_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
source_model.fit(x_source, y_source, epochs=EPOCHS[0], batch_size=64, verbose=0)
weights_file = OUT / "fashion_cnn_source.weights.h5"
source_model.save_weights(str(weights_file))

# %% [markdown]
# ## 2. Transfer: frozen base + new head, then fine-tuning
# A fresh network reads the pretrained weights; its first four layers (conv, pool, conv,
# pool) become the base, exactly like `VGG16(include_top=False)` in the lesson.


# %%
def new_head_on(base):
    return keras.Sequential(
        [
            layers.Input((28, 28, 1)),
            base,
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(len(TARGET_CLASSES), activation="softmax"),
        ]
    )


pretrained = applications.fashion_cnn(classes=len(SOURCE_CLASSES))
pretrained.load_weights(str(weights_file))
base = keras.Sequential(pretrained.layers[:4], name="pretrained_base")
base.trainable = False
model = new_head_on(base)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()  # the base's parameters are listed as non-trainable
model.fit(x_few, y_few, epochs=EPOCHS[1], batch_size=16, verbose=0)
head_only = model.evaluate(x_eval, y_eval, verbose=0)[1]

base.trainable = True
for layer in base.layers[:-2]:  # unfreeze the last convolution and its pooling
    layer.trainable = False
model.compile(
    optimizer=keras.optimizers.Adam(1e-4),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_few, y_few, epochs=EPOCHS[1], batch_size=16, verbose=0)
transferred = model.evaluate(x_eval, y_eval, verbose=0)[1]

# %% [markdown]
# ## 3. The same network from scratch, on the same few images

# %%
keras.utils.set_random_seed(42)
scratch = new_head_on(keras.Sequential(applications.fashion_cnn().layers[:4], name="random_base"))
scratch.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
scratch.fit(x_few, y_few, epochs=2 * EPOCHS[1], batch_size=16, verbose=0)
from_scratch = scratch.evaluate(x_eval, y_eval, verbose=0)[1]

# %%
print(f"test accuracy, frozen pretrained base + new head: {head_only:.3f}")
print(f"test accuracy, after fine-tuning the last conv:   {transferred:.3f}")
print(f"test accuracy, same network from scratch:         {from_scratch:.3f}")
print(
    f"accuracy gained over training from scratch: {100 * (transferred - from_scratch):+.1f} points"
)
