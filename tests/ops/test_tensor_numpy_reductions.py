"""NumPy's reductions on a strided Tensor (np.max(t), np.sum(t), as real Keras programs call
them on model outputs) give NumPy's values; unsupported arguments are refused by name."""

import numpy as np
import pytest

from strided import Tensor


@pytest.mark.parametrize("function", [np.sum, np.mean, np.max])
def test_numpy_reductions_of_a_tensor(function):
    array = np.random.default_rng(0).normal(size=(3, 4))
    tensor = Tensor(array)
    assert np.allclose(np.asarray(function(tensor)), function(array))
    assert np.allclose(np.asarray(function(tensor, axis=1)), function(array, axis=1))
    kept = function(tensor, axis=0, keepdims=True)
    assert np.asarray(kept).shape == (1, 4)


def test_unsupported_arguments_are_named():
    tensor = Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"Tensor.sum: only axis and keepdims .*\['dtype'\]"):
        np.sum(tensor, dtype="float64")
    with pytest.raises(TypeError, match=r"\['out'\]"):
        np.max(tensor, out=np.empty(()))
