import numpy as np
import pytest

import strided
import strided.layers as L
from strided.models import Sequential


@pytest.fixture
def float64():
    """Build and run models in float64 (finite differences need it); restores floatx."""
    previous = strided.floatx()
    strided.set_floatx("float64")
    yield
    strided.set_floatx(previous)


@pytest.fixture
def lesson_model():
    """Lesson 002's shape in miniature: Conv-Pool-Conv-Pool-Flatten-Dense on 12x12 grey images."""
    model = Sequential([
        L.Input(shape=(12, 12, 1)),
        L.Conv2D(4, 3, activation="relu", name="conv2d"),
        L.MaxPooling2D(2, name="max_pooling2d"),
        L.Conv2D(5, 3, activation="relu", name="conv2d_1"),
        L.MaxPooling2D(2, name="max_pooling2d_1"),
        L.Flatten(name="flatten"),
        L.Dense(3, activation="softmax", name="dense"),
    ])
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(0, 0.5, w.shape) for w in model.get_weights()])
    return model


@pytest.fixture
def images():
    return np.random.default_rng(5).uniform(size=(3, 12, 12, 1)).astype("float32")
