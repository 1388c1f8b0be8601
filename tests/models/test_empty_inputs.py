"""fit, evaluate and predict refuse empty input with a clear ValueError (Keras refuses an empty
generator: "the generator must yield at least one batch"), instead of an empty History or []."""

import numpy as np
import pytest

from strided import layers
from strided.models import Sequential


def compiled():
    model = Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


X, Y = np.ones((8, 4), np.float32), np.ones((8, 2), np.float32)


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_empty_arrays_are_refused(method):
    model = compiled()
    call = getattr(model, method)
    args = (X[:0],) if method == "predict" else (X[:0], Y[:0])
    with pytest.raises(ValueError, match=rf"{method}\(\): the input data is empty: x has 0 samples \(shape \(0, 4\)\)"):
        call(*args, verbose=0)


def test_empty_validation_data_is_refused():
    with pytest.raises(ValueError, match="input data is empty"):
        compiled().fit(X, Y, validation_data=(X[:0], Y[:0]), verbose=0)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_an_empty_generator_is_refused(method):
    def nothing():
        return
        yield

    with pytest.raises(ValueError, match=rf"{method}\(\): the data produced no batches"):
        getattr(compiled(), method)(nothing(), verbose=0)


def test_one_sample_still_trains():
    history = compiled().fit(X[:1], Y[:1], verbose=0)
    assert len(history.history["loss"]) == 1
