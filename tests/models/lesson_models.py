"""The models of the lessons (000, 001, 002), built exactly as the lesson code does."""

import strided as keras
from strided import layers
from strided.models import Model, Sequential


def fashion_mnist_model():
    """Lesson 002: Sequential with an Input first; 243,786 parameters."""
    return Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPool2D(2, 2),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPool2D(2, 2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def mnist_functional_model(pooling=True):
    """Lesson 000: the functional MNIST CNN (and its variant without max pooling)."""
    inputs = layers.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    if pooling:
        x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    if pooling:
        x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return Model(inputs=inputs, outputs=outputs)


def mnist_sequential_dropout_model():
    """Lesson 001: Sequential with input_shape= on the first layer and Dropout."""
    return Sequential([
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


def feature_map_model(model):
    """Lesson 002: one output per Conv2D / MaxPooling2D layer of `model`."""
    wanted = [keras.layers.Conv2D, keras.layers.MaxPooling2D]
    outputs = [layer.output for layer in model.layers if type(layer) in wanted]
    return Model(inputs=model.inputs, outputs=outputs)
