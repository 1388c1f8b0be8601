"""The lessons' CNNs as builder functions, layer for layer (uncompiled, as Keras applications are).

* `mnist_cnn()` -- lesson 000's Functional MNIST model:
  Conv32-Pool-Conv64-Pool-Conv128-Flatten-Dense10
  (104,202 parameters for 28x28x1 inputs);
* `fashion_cnn()` -- lesson 002's Fashion-MNIST model:
  Conv64-Pool-Conv64-Pool-Flatten-Dense128-Dense10
  (243,786 parameters, the number the lesson's summary prints);
* `cifar_cnn()` -- lesson 001's deeper CIFAR-10 network: three blocks of two
  Conv-BatchNorm-ReLU with
  max pooling and growing Dropout (0.2, 0.3, 0.4), then Dense128-BatchNorm-Dropout(0.5)-Dense10.

Each takes `input_shape` and `classes` so the same architecture can run on other images
(e.g. `cifar_cnn(input_shape=(28, 28, 1))` for Fashion-MNIST), and returns a built model whose
layer names are Keras' automatic ones (conv2d, max_pooling2d, ...).

Example:
    >>> from strided.applications import fashion_cnn
    >>> model = fashion_cnn()
    >>> model.count_params()
    243786
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
"""

from strided import layers
from strided.layers import Input
from strided.models import Model, Sequential


def mnist_cnn(input_shape=(28, 28, 1), classes=10, name="mnist_cnn"):
    """Lesson 000's MNIST CNN (Functional API): three 3x3 ReLU convolutions, two 2x2 max pools.

    Args:
        input_shape: (height, width, channels) of the images; (28, 28, 1) for MNIST.
        classes: the number of output classes (softmax units).
        name: the model's name.

    Shape:
        (N, 28, 28, 1) -> conv 26x26x32 -> pool 13x13x32 -> conv 11x11x64 -> pool 5x5x64
        -> conv 3x3x128 -> flatten 1152 -> (N, classes) probabilities.
    """
    inputs = Input(shape=tuple(input_shape))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return Model(inputs=inputs, outputs=outputs, name=name)


def fashion_cnn(input_shape=(28, 28, 1), classes=10, name="fashion_cnn"):
    """Lesson 002's Fashion-MNIST CNN (Sequential): two Conv64+MaxPool blocks, Dense128, Dense10.

    Args:
        input_shape: (height, width, channels) of the images; (28, 28, 1) for Fashion-MNIST.
        classes: the number of output classes.
        name: the model's name.

    Shape:
        (N, 28, 28, 1) -> 26x26x64 -> 13x13x64 -> 11x11x64 -> 5x5x64 -> 1600 -> 128 -> (N, classes).
        243,786 parameters for the defaults.
    """
    return Sequential(
        [
            Input(shape=tuple(input_shape)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(classes, activation="softmax"),
        ],
        name=name,
    )


def _conv_block(filters, dropout):
    block = []
    for _ in range(2):
        block += [
            layers.Conv2D(filters, (3, 3), padding="same"),
            layers.BatchNormalization(),
            layers.Activation("relu"),
        ]
    return block + [layers.MaxPooling2D((2, 2)), layers.Dropout(dropout)]


def cifar_cnn(input_shape=(32, 32, 3), classes=10, name="cifar_cnn"):
    """Lesson 001's CIFAR-10 network: 3 x (Conv-BN-ReLU, Conv-BN-ReLU, MaxPool, Dropout), a head.

    Args:
        input_shape: (height, width, channels); (32, 32, 3) for CIFAR-10. Height and width must be
            at least 8 (three 2x2 poolings).
        classes: the number of output classes.
        name: the model's name.

    Shape:
        (N, 32, 32, 3) -> 32x32x32 -> 16x16x32 -> 16x16x64 -> 8x8x64 -> 8x8x128 -> 4x4x128
        -> flatten 2048 -> 128 -> (N, classes). Dropout rates 0.2, 0.3, 0.4 after the blocks,
        0.5 in the head.
    """
    return Sequential(
        [Input(shape=tuple(input_shape))]
        + _conv_block(32, 0.2)
        + _conv_block(64, 0.3)
        + _conv_block(128, 0.4)
        + [
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(classes, activation="softmax"),
        ],
        name=name,
    )


__all__ = ["mnist_cnn", "fashion_cnn", "cifar_cnn"]
