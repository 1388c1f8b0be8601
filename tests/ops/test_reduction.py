"""sum / mean / max / min / var / std / argmax / argmin against PyTorch and finite differences."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import Tensor, gradcheck


def _dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


TORCH_REDUCTIONS = {
    "sum": lambda t, d, k: torch.sum(t, dim=d, keepdim=k),
    "mean": lambda t, d, k: torch.mean(t, dim=d, keepdim=k),
    "max": lambda t, d, k: torch.amax(t, dim=d, keepdim=k),
    "min": lambda t, d, k: torch.amin(t, dim=d, keepdim=k),
    "var": lambda t, d, k: torch.var(t, dim=d, keepdim=k, correction=0),
    "std": lambda t, d, k: torch.std(t, dim=d, keepdim=k, correction=0),
}


@st.composite
def array_and_axis(draw, min_side=1):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=min_side, max_side=5))
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1),
            hnp.valid_tuple_axes(len(shape), min_size=1),
        )
    )
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).standard_normal(shape), axis


@pytest.mark.parametrize("name", sorted(TORCH_REDUCTIONS))
@settings(max_examples=25, deadline=None)
@given(case=array_and_axis(), keepdims=st.booleans())
def test_reduction_matches_torch(name, case, keepdims):
    x, axis = case
    compare_with_torch(
        lambda t: getattr(ops, name)(t, axis=axis, keepdims=keepdims),
        lambda t: TORCH_REDUCTIONS[name](t, _dims(axis, x.ndim), keepdims),
        [x],
    )


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std"])
def test_reduction_gradcheck(name, rng):
    x = rng.standard_normal((3, 4, 2))
    for axis in (None, 1, (0, 2), -1):
        assert gradcheck(lambda t, axis=axis: getattr(ops, name)(t, axis=axis), [x])
        assert gradcheck(lambda t, axis=axis: getattr(ops, name)(t, axis=axis, keepdims=True), [x])


@pytest.mark.parametrize("name,torch_fn", [("max", torch.amax), ("min", torch.amin)])
def test_extreme_splits_gradient_between_ties_like_torch(name, torch_fn):
    x = np.array([[1.0, 3.0, 3.0, 3.0], [2.0, 2.0, 0.0, 5.0], [-1.0, -1.0, -1.0, -1.0]])
    for axis in (None, 0, 1):
        compare_with_torch(
            lambda t, axis=axis: getattr(ops, name)(t, axis=axis),
            lambda t, axis=axis: torch_fn(t, dim=_dims(axis, 2)),
            [x],
        )
    two_way = np.array(
        [[1.0, 4.0, 4.0], [0.0, 0.0, 2.0]]
    )  # finite differences give 1/2 at a 2-way tie
    assert gradcheck(lambda t: getattr(ops, name)(t, axis=1), [two_way])


def test_std_of_constant_has_zero_gradient_like_torch():
    compare_with_torch(
        lambda t: ops.std(t, axis=1), lambda t: torch.std(t, dim=1, correction=0), [np.ones((2, 3))]
    )


def test_max_gradient_goes_only_to_the_largest_element():
    x = Tensor([[1.0, 7.0, 2.0]], requires_grad=True)
    ops.max(x).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@settings(max_examples=25, deadline=None)
@given(case=array_and_axis(), keepdims=st.booleans())
def test_arg_extreme_matches_torch(name, case, keepdims):
    x, axis = case
    if isinstance(axis, tuple):
        axis = axis[0]
    result = getattr(ops, name)(Tensor(x, dtype=np.float64), axis=axis, keepdims=keepdims)
    expected = getattr(torch, name)(torch.tensor(x), dim=axis, keepdim=keepdims).numpy()
    if axis is None and keepdims:  # torch keeps (1, 1, ...), NumPy/Keras too
        assert result.shape == (1,) * x.ndim
        expected = expected.reshape(result.shape)
    assert result.dtype == np.int64
    assert not result.requires_grad
    np.testing.assert_array_equal(result.data, expected)


def test_arg_extreme_has_no_gradient():
    x = Tensor([[1.0, 2.0], [4.0, 3.0]], requires_grad=True)
    index = ops.argmax(x, axis=1)
    np.testing.assert_array_equal(index.data, [1, 0])
    assert not index.requires_grad and index.is_leaf


def test_float32_stays_float32(rng):
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    for name in ("sum", "mean", "max", "min", "var", "std"):
        y = getattr(ops, name)(x, axis=0)
        assert y.dtype == np.float32, name
        y.backward(np.ones(3, dtype=np.float32))
        assert x.grad.dtype == np.float32
        x.zero_grad()


def test_integer_mean_gives_float():
    assert ops.mean(Tensor(np.array([1, 2, 4]))).dtype == np.float32
    assert ops.sum(Tensor(np.array([1, 2, 4]))).dtype.kind == "i"


def test_tensor_methods():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_allclose(x.sum(axis=1).data, [3.0, 12.0])
    np.testing.assert_allclose(x.mean(axis=0, keepdims=True).data, [[1.5, 2.5, 3.5]])
    assert x.max().item() == 5.0
    x.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_scalar_results_are_zero_dimensional():
    y = ops.sum(Tensor([1.0, 2.0]))
    assert y.shape == () and isinstance(y.data, np.ndarray)


def test_bad_arguments():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"sum: axis 2 is out of range for an input with 2 dimensions"
    ):
        ops.sum(x, axis=2)
    with pytest.raises(ValueError, match=r"mean: repeated axis"):
        ops.mean(x, axis=(1, -1))
    with pytest.raises(ValueError, match=r"argmax: axis must be a single int"):
        ops.argmax(x, axis=(0, 1))
    with pytest.raises(
        ValueError, match=r"max: cannot reduce over an empty axis \(input shape \(0, 3\)"
    ):
        ops.max(Tensor(np.zeros((0, 3))), axis=0)
    with pytest.raises(ValueError, match=r"argmin: cannot reduce over an empty axis"):
        ops.argmin(Tensor(np.zeros((0,))))
