# %% [markdown]
# # The MNIST CNN, with and without max pooling (lessons 000 and 001)
#
# Lesson 000's network stacks three convolutions (32, 64 and 128 filters of 3x3, ReLU),
# with a 2x2 max pooling after the first two, then flattens and classifies with one Dense
# layer. Convolutions learn **local** patterns (edges, then corners and curves, then parts
# of digits); the Dense layer combines them **globally**.
#
# **Max pooling** keeps the largest value of every 2x2 window: the feature maps shrink by
# half in each direction, later layers see a larger part of the image, and small shifts of
# the input matter less. The lesson then removes the pooling: the maps stay large
# (26 -> 24 -> 22 instead of 26 -> 13 -> 11 -> 5 -> 3), the Dense layer receives
# 22 x 22 x 128 = 61,952 numbers instead of 1,152, and the model grows from 104,202 to
# 712,202 parameters and gets slower, for no better accuracy.
#
# Everything here is written exactly as for Keras; only the import differs:
# `import strided as keras`.

# %%
import os
import sys
import time
from pathlib import Path

import matplotlib

HEADLESS = sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
if HEADLESS and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")  # no screen: only write PNG files
import matplotlib.pyplot as plt

import strided as keras
from strided import layers

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"   # a few hundred images, one epoch
OUT = Path(os.environ.get("STRIDED_EXAMPLE_OUT", "example_output"))
OUT.mkdir(parents=True, exist_ok=True)
keras.utils.set_random_seed(42)


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
# The lesson uses MNIST. It is used here when it is on this machine (fetch it once with
# `python -c "from strided import datasets; datasets.fetch('mnist')"`); otherwise
# Fashion-MNIST (same shapes: 28x28 grey images, 10 classes), and otherwise the
# Fashion-MNIST sample bundled with strided (3,000 + 1,000 images), which is also what
# the quick mode (`STRIDED_EXAMPLE_QUICK=1`) uses.

# %%
from strided.datasets import DatasetError, DatasetNotFoundError, fashion_mnist, mnist


def load_mnist_like():
    if not QUICK:
        for name, module in (("MNIST", mnist), ("Fashion-MNIST", fashion_mnist)):
            try:
                return name, module.load_data(download=False), module.source
            except (DatasetNotFoundError, DatasetError) as error:
                print(f"{name} is not available here ({type(error).__name__})")
    return "Fashion-MNIST sample", fashion_mnist.load_data(sample=True), fashion_mnist.source


dataset, ((train_images, train_labels), (test_images, test_labels)), source = load_mnist_like()
print(f"dataset: {dataset} ({source})")

train_images = train_images.reshape((-1, 28, 28, 1)).astype("float32") / 255
test_images = test_images.reshape((-1, 28, 28, 1)).astype("float32") / 255
if QUICK:
    train_images, train_labels = train_images[:512], train_labels[:512]
    test_images, test_labels = test_images[:256], test_labels[:256]
EPOCHS = 1 if QUICK else 5
print("train:", train_images.shape, "test:", test_images.shape, "epochs:", EPOCHS)

# %% [markdown]
# ## Lesson 000's model (Functional API)

# %%
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.summary()

# %% [markdown]
# Where the parameter counts come from: a Conv2D layer has $k_h k_w C_{in}$ weights per
# filter plus one bias, so $3 \cdot 3 \cdot 1 \cdot 32 + 32 = 320$,
# $3 \cdot 3 \cdot 32 \cdot 64 + 64 = 18{,}496$ and $3 \cdot 3 \cdot 64 \cdot 128 + 128 = 73{,}856$;
# the Dense layer has $1152 \cdot 10 + 10 = 11{,}530$. Pooling and Flatten have none.

# %%
counts = [layer.count_params() for layer in model.layers]
print("parameters per layer:", counts)
print(f"parameters with max pooling: {model.count_params():,}")
assert model.count_params() == 320 + 18_496 + 73_856 + 11_530 == 104_202

# %% [markdown]
# ## Train and evaluate
#
# RMSprop, sparse categorical cross-entropy (integer labels), batch size 64, as the lesson.

# %%
model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.perf_counter()
history = model.fit(train_images, train_labels, epochs=EPOCHS, batch_size=64, verbose=2)
seconds_pool = (time.perf_counter() - start) / EPOCHS
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print("Test loss ", test_loss)
print("Test accuracy ", test_acc)

# %% [markdown]
# ## The same model without max pooling

# %%
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model_no_max_pool = keras.Model(inputs=inputs, outputs=outputs)
model_no_max_pool.summary()
print(f"parameters without max pooling: {model_no_max_pool.count_params():,}")
dense_params = 22 * 22 * 128 * 10 + 10
assert model_no_max_pool.count_params() == 320 + 18_496 + 73_856 + dense_params == 712_202

# %%
model_no_max_pool.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
start = time.perf_counter()
history_no_pool = model_no_max_pool.fit(train_images, train_labels, epochs=EPOCHS, batch_size=64,
                                        verbose=2)
seconds_no_pool = (time.perf_counter() - start) / EPOCHS
test_loss_np, test_acc_np = model_no_max_pool.evaluate(test_images, test_labels, verbose=0)
print("Test loss ", test_loss_np)
print("Test accuracy ", test_acc_np)

# %% [markdown]
# ## Side by side

# %%
print(f"{'model':<22}{'parameters':>12}{'test accuracy':>15}{'s / epoch':>11}")
rows = [("with max pooling", model, test_acc, seconds_pool),
        ("without max pooling", model_no_max_pool, test_acc_np, seconds_no_pool)]
for name, m, acc, seconds in rows:
    print(f"{name:<22}{m.count_params():>12,}{acc:>15.4f}{seconds:>11.1f}")

# %% [markdown]
# ## Lesson 001's Sequential version, with Dropout
#
# Lesson 001 builds a similar network with `keras.Sequential`: two Conv/MaxPooling blocks,
# then Dropout (randomly zeroes half of the values during training, against
# overfitting), a Dense layer of 128 and the classifier. It one-hot encodes the labels with
# `to_categorical` (hence `categorical_crossentropy`), holds out 10% of the training data
# for validation and plots the training curves.

# %%
y_train = keras.utils.to_categorical(train_labels, 10)
y_test = keras.utils.to_categorical(test_labels, 10)

model_001 = keras.Sequential([
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model_001.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model_001.summary()

history_001 = model_001.fit(train_images, y_train, batch_size=128, epochs=1 if QUICK else 10,
                            validation_split=0.1, verbose=2)
test_loss_001, test_acc_001 = model_001.evaluate(test_images, y_test, verbose=0)
print(f"\nTest accuracy: {test_acc_001:.4f}")

# %%
fig = keras.viz.plot_history(history_001)
save(fig, "06_training_curves.png")
