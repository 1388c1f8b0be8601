"""The benchmark models in Keras 3, built from the same layer lists as strided's applications.

ResNet-18 has no Keras twin (Keras ships no ResNet18); `build` returns None for it.

    >>> build("fashion_cnn").count_params()
    243786
"""


def _lesson_layers(name, keras):
    layers = keras.layers
    if name == "fashion_cnn":
        return [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D(2, 2),
            layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D(2, 2),
            layers.Flatten(), layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    if name == "mnist_cnn":
        return [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(128, 3, activation="relu"),
            layers.Flatten(), layers.Dense(10, activation="softmax"),
        ]
    if name == "cifar_cnn":
        stack = [keras.Input(shape=(32, 32, 3))]
        for filters, dropout in ((32, 0.2), (64, 0.3), (128, 0.4)):
            for _ in range(2):
                stack += [layers.Conv2D(filters, (3, 3), padding="same"),
                          layers.BatchNormalization(), layers.Activation("relu")]
            stack += [layers.MaxPooling2D((2, 2)), layers.Dropout(dropout)]
        return stack + [
            layers.Flatten(), layers.Dense(128, activation="relu"), layers.BatchNormalization(),
            layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
        ]
    return None


def build(name):
    """A fresh Keras model by benchmark name, or None when Keras has no twin."""
    import keras

    keras.utils.set_random_seed(0)
    stack = _lesson_layers(name, keras)
    return None if stack is None else keras.Sequential(stack, name=name)
