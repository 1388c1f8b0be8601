"""The benchmark's data: real Fashion-MNIST for the 28x28 models, random 32x32x3 images for the others.

Arrays are channels-last float32 in [0, 1] with int64 labels; the PyTorch runner transposes them
to channels-first once, outside the timed region.

    >>> x, y = train_data("fashion_cnn", 1000)
    >>> x.shape, x.dtype, y.dtype
    ((1000, 28, 28, 1), dtype('float32'), dtype('int64'))
"""

import numpy as np

INPUT_SHAPES = {
    "fashion_cnn": (28, 28, 1),
    "mnist_cnn": (28, 28, 1),
    "cifar_cnn": (32, 32, 3),
    "resnet18": (32, 32, 3),
}


def _fashion():
    from strided.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    scale = np.float32(1 / 255)
    return (
        (x_train[..., None] * scale, y_train.astype(np.int64)),
        (x_test[..., None] * scale, y_test.astype(np.int64)),
    )


def _repeat_to(x, y, count):
    """The first `count` samples, cycling through the data if it has fewer."""
    if count > len(x):
        reps = -(-count // len(x))
        x, y = np.concatenate([x] * reps), np.concatenate([y] * reps)
    return np.ascontiguousarray(x[:count]), np.ascontiguousarray(y[:count])


def _random(model_name, count, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((count, *INPUT_SHAPES[model_name]), dtype=np.float32)
    return x, rng.integers(0, 10, count).astype(np.int64)


def train_data(model_name, count):
    """`count` training images and labels for `model_name` (Fashion-MNIST cycles past 60,000)."""
    if INPUT_SHAPES[model_name] == (28, 28, 1):
        (x, y), _ = _fashion()
        return _repeat_to(x, y, count)
    return _random(model_name, count, seed=0)


def test_data(model_name, count=10000):
    """`count` test images (the Fashion-MNIST test set for the 28x28 models)."""
    if INPUT_SHAPES[model_name] == (28, 28, 1):
        _, (x, y) = _fashion()
        return _repeat_to(x, y, count)
    return _random(model_name, count, seed=1)
