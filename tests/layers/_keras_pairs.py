"""Build a Keras 3 layer and the strided layer of the same class and arguments, share the
weights (strided's `set_weights` from Keras' `get_weights`) and return both outputs."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from strided import layers  # noqa: E402


def keras_and_strided(name, x, *args, **kwargs):
    """(Keras output, strided output, Keras layer, strided layer) for the same inputs and weights."""
    theirs = getattr(keras.layers, name)(*args, **kwargs)
    ours = getattr(layers, name)(*args, **kwargs)
    expected = theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    actual = ours(x)
    expected = [np.asarray(e) for e in expected] if isinstance(expected, list) else np.asarray(expected)
    return expected, actual.numpy(), theirs, ours
