# %% [markdown]
# # A deeper network for colour images: CIFAR-10 with augmentation and callbacks (lesson 001)
#
# CIFAR-10 has 60,000 colour images of 32x32 pixels in 10 classes (aeroplanes, cars, birds,
# cats, ...). Lesson 001's network for it has three blocks of
# `Conv2D -> BatchNormalization -> ReLU` twice, then `MaxPooling2D` and `Dropout` (more
# filters and more dropout in each block: 32/0.2, 64/0.3, 128/0.4), and a Dense classifier.
#
# - **BatchNormalization** normalises each channel over the batch: training is faster and
#   less sensitive to the learning rate and the initialisation.
# - **Data augmentation** (`ImageDataGenerator`) shows the network randomly rotated,
#   shifted and mirrored copies of the training images, so it cannot simply memorise them.
# - **Callbacks** watch the validation loss: `ReduceLROnPlateau` divides the learning rate
#   by 10 when it stops improving, `EarlyStopping` ends training (and restores the best
#   weights) when it has not improved for a while, and `ModelCheckpoint` keeps the best
#   model on disk.

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
from strided import layers
from strided.preprocessing.image import ImageDataGenerator

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
# ## The data
#
# `keras.datasets.cifar10.load_data()` when CIFAR-10 is on this machine (fetch it once with
# `python -c "from strided import datasets; datasets.fetch('cifar10')"`, 170 MB). Otherwise,
# and always in quick mode, a **stand-in**: the Fashion-MNIST sample bundled with strided,
# padded to 32x32 and coloured (a random colour for the garment and another for the
# background), so that the same 32x32x3 network runs. Its classes are clothes, not
# CIFAR-10's, and its accuracies say nothing about CIFAR-10.

# %%
from strided.datasets import DatasetError, DatasetNotFoundError, cifar10, fashion_mnist


def fashion_stand_in():
    """Fashion-MNIST sample as 32x32 RGB images: garment and background in random colours."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    rng = np.random.default_rng(0)

    def colour(images):
        grey = np.pad(images, ((0, 0), (2, 2), (2, 2))).astype("float32")[..., None] / 255
        garment = rng.uniform(0.3, 1.0, (len(images), 1, 1, 3))
        background = rng.uniform(0.0, 0.5, (len(images), 1, 1, 3))
        return np.round(255 * (grey * garment + (1 - grey) * background)).astype("uint8")

    return (colour(x_train), y_train[:, None]), (colour(x_test), y_test[:, None])


dataset = None
if QUICK:
    reason = "quick mode"
else:
    try:
        (X_train, y_train), (X_test, y_test) = keras.datasets.cifar10.load_data(download=False)
        dataset, class_names = "CIFAR-10", cifar10.CLASS_NAMES
        print(f"dataset: CIFAR-10 ({cifar10.source})")
    except (DatasetNotFoundError, DatasetError) as error:
        reason = f"CIFAR-10 is not available here: {type(error).__name__}"
if dataset is None:
    (X_train, y_train), (X_test, y_test) = fashion_stand_in()
    dataset, class_names = "stand-in", fashion_mnist.CLASS_NAMES
    print(f"dataset: STAND-IN for CIFAR-10 ({reason}): the bundled Fashion-MNIST sample, "
          "padded to 32x32 and coloured")

if QUICK:
    X_train, y_train, X_test, y_test = X_train[:256], y_train[:256], X_test[:128], y_test[:128]
print("train:", X_train.shape, y_train.shape, "test:", X_test.shape)

X_train = X_train.astype("float32") / 255.0
X_test = X_test.astype("float32") / 255.0
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)

# %% [markdown]
# ## The network

# %%
model = keras.Sequential([
    # Block 1
    layers.Conv2D(32, (3, 3), padding="same", input_shape=(32, 32, 3)),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Conv2D(32, (3, 3), padding="same"),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.2),

    # Block 2
    layers.Conv2D(64, (3, 3), padding="same"),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Conv2D(64, (3, 3), padding="same"),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.3),

    # Block 3
    layers.Conv2D(128, (3, 3), padding="same"),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Conv2D(128, (3, 3), padding="same"),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.4),

    # Classifier
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.BatchNormalization(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.summary()

# %% [markdown]
# BatchNormalization's `moving_mean` and `moving_variance` are updated during training but
# not by the optimizer: they are the *non-trainable* parameters of the summary.

# %%
trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
print(f"parameters: {model.count_params():,} = {trainable:,} trainable "
      f"+ {non_trainable:,} non-trainable")

# %% [markdown]
# ## Augmentation
#
# Rotations up to 15 degrees, shifts up to 10% of the width and height, and horizontal
# flips. `random_transform` applies one random augmentation to one image: here ten
# versions of the first training image.

# %%
datagen = ImageDataGenerator(
    rotation_range=15,
    width_shift_range=0.1,
    height_shift_range=0.1,
    horizontal_flip=True,
)

fig, axes = plt.subplots(2, 5, figsize=(12, 5))
for i, ax in enumerate(axes.flat):
    augmented = X_train[0] if i == 0 else datagen.random_transform(X_train[0], seed=i)
    ax.imshow(np.clip(augmented, 0, 1))
    ax.set_title("original" if i == 0 else f"augmented {i}", fontsize=9)
    ax.axis("off")
fig.suptitle(f"{dataset}: {class_names[int(np.argmax(y_train[0]))]}")
save(fig, "09_augmentation.png")

# %% [markdown]
# ## Train with the generator and three callbacks
#
# `datagen.flow` yields freshly augmented batches forever; `fit` takes one pass over the
# training set per epoch. The validation data is not augmented.

# %%
checkpoint_path = OUT / "09_cifar_best.keras"
callbacks = [
    keras.callbacks.ReduceLROnPlateau(patience=5, verbose=1),
    keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True, verbose=1),
    keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True,
                                    verbose=1),
]
EPOCHS = 1 if QUICK else 50
history = model.fit(
    datagen.flow(X_train, y_train, batch_size=64),
    epochs=EPOCHS,
    validation_data=(X_test, y_test),
    callbacks=callbacks,
    verbose=2,
)
learning_rate = float(model.optimizer.learning_rate)
print(f"epochs run: {len(history.epoch)}; final learning rate: {learning_rate:g}")

# %%
fig = keras.viz.plot_history(history)
save(fig, "09_history.png")

# %% [markdown]
# ## Evaluate, and reload the best checkpoint
#
# `keras.models.load_model` rebuilds the saved network, weights and optimizer state
# included, from the `.keras` file.

# %%
test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
print(f"Test accuracy ({dataset}): {test_acc:.4f}")

best = keras.models.load_model(checkpoint_path)
best_loss, best_acc = best.evaluate(X_test, y_test, verbose=0)
print(f"best checkpoint {checkpoint_path.name}: val_loss {best_loss:.4f} "
      f"(lowest in training: {min(history.history['val_loss']):.4f}), accuracy {best_acc:.4f}")
assert abs(best_loss - min(history.history["val_loss"])) < 1e-3
