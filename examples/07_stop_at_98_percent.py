# %% [markdown]
# # A custom callback that stops training at 98% accuracy (lesson 002)
#
# A **callback** is an object that `fit` calls at fixed moments: when training starts,
# before and after every batch and every epoch, when it ends. Each hook receives the
# current `logs` (loss, accuracy, ...) and can reach the model through `self.model`.
# Lesson 002 subclasses `keras.callbacks.Callback` and overrides `on_epoch_end`: once the
# training accuracy reaches 98% it sets `self.model.stop_training = True`, and `fit`
# finishes after that epoch instead of running all 30.
#
# The model is lesson 002's Fashion-MNIST CNN: two Conv2D(64)/MaxPool blocks, Dense(128),
# Dense(10), with 243,786 parameters.

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

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"   # a few hundred images: seconds
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
# ## Fashion-MNIST
#
# The real Fashion-MNIST when it is on this machine, otherwise the sample bundled with
# strided. The quick mode trains on 64 images only, in batches of 8: the network memorises
# them within a few epochs, which is a fast way to watch the callback fire. (On the full
# data the lesson reaches 98% training accuracy after 17 epochs, while the test accuracy
# stays near 91%: overfitting.)

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

training_images = training_images / 255.0
testing_images = testing_images / 255.0
if QUICK:
    training_images, training_labels = training_images[:64], training_labels[:64]
    testing_images, testing_labels = testing_images[:256], testing_labels[:256]
print("training images:", training_images.shape)

# %% [markdown]
# ## The callback, as in the lesson

# %%
class callback(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs={}):  # noqa: B006 (as in the lesson)
        if logs['accuracy'] >= 0.98:
            print('Reached 98%. Stopping the training')
            self.model.stop_training = True


# %% [markdown]
# ## The model
#
# `MaxPool2D(2, 2)` is Keras' alias of `MaxPooling2D(pool_size=2, strides=2)`.

# %%
model = keras.models.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.layers.Conv2D(64, (3, 3), activation='relu'),
    keras.layers.MaxPool2D(2, 2),
    keras.layers.Conv2D(64, (3, 3), activation='relu'),
    keras.layers.MaxPool2D(2, 2),
    keras.layers.Flatten(),
    keras.layers.Dense(128, activation='relu'),
    keras.layers.Dense(10, activation='softmax'),
])
model.summary()
print(f"parameters: {model.count_params():,}")
assert model.count_params() == 243_786

# %% [markdown]
# ## Train until the callback says stop
#
# The images are (N, 28, 28) without a channel axis, as in the lesson; the model's
# `Input(shape=(28, 28, 1))` adds it.

# %%
MAX_EPOCHS = 30
model.compile(optimizer='adam', loss=keras.losses.SparseCategoricalCrossentropy(),
              metrics=['accuracy'])
history = model.fit(training_images, training_labels, epochs=MAX_EPOCHS, callbacks=[callback()],
                    batch_size=8 if QUICK else 32, verbose=2)

epochs_run = len(history.epoch)
final_accuracy = history.history["accuracy"][-1]
print(f"trained {epochs_run} of {MAX_EPOCHS} epochs; final training accuracy {final_accuracy:.4f}")
if model.stop_training:
    print(f"the callback stopped the training after epoch {epochs_run}")

# %% [markdown]
# ## Evaluate
#
# The gap between training and test accuracy is the overfitting the lesson discusses;
# early stopping on a *validation* metric, Dropout, data augmentation or L2
# regularisation reduce it.

# %%
test_loss, test_accuracy = model.evaluate(testing_images, testing_labels, verbose=0)
print('Loss is ', test_loss)
print('Accuracy is ', test_accuracy)

index = 104 if len(testing_images) > 104 else 0
predicted = np.argmax(model.predict(testing_images[index:index + 1], verbose=0))
print(f"image {index}: predicted {predicted} ({fashion_mnist.CLASS_NAMES[predicted]}), "
      f"label {testing_labels[index]} ({fashion_mnist.CLASS_NAMES[testing_labels[index]]})")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(np.arange(1, epochs_run + 1), history.history["accuracy"], marker="o",
        label="training accuracy")
ax.axhline(0.98, color="red", linestyle="--", label="98%: the callback stops here")
ax.axhline(test_accuracy, color="grey", linestyle=":", label=f"test accuracy {test_accuracy:.2f}")
ax.set_xlabel("epoch")
ax.set_ylabel("accuracy")
ax.set_ylim(0, 1.02)
ax.legend(loc="lower right")
save(fig, "07_stop_at_98.png")
