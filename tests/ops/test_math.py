"""Elementwise maths (exp, log, sqrt, square, abs, sign, erf, clip, maximum, minimum, where,
logsumexp) against PyTorch and finite differences."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.kernels.special import erf as erf_kernel

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)
seeds = st.integers(0, 2**16)

UNARY = {  # name: (torch function, input transform keeping the op's domain)
    "exp": (torch.exp, lambda x: x),
    "log": (torch.log, lambda x: np.abs(x) + 0.1),
    "sqrt": (torch.sqrt, lambda x: np.abs(x) + 0.1),
    "square": (torch.square, lambda x: x),
    "abs": (torch.abs, lambda x: x),
    "erf": (torch.erf, lambda x: 2 * x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds)
def test_unary_matches_torch(name, shape, seed):
    torch_fn, domain = UNARY[name]
    x = domain(np.random.default_rng(seed).standard_normal(shape))
    compare_with_torch(getattr(ops, name), torch_fn, [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck_and_float32(name, rng):
    _, domain = UNARY[name]
    x = domain(rng.standard_normal((3, 4)))
    assert gradcheck(getattr(ops, name), [x])
    t = Tensor(x.astype(np.float32), requires_grad=True)
    y = getattr(ops, name)(t)
    y.sum().backward()
    assert y.dtype == np.float32 and t.grad.dtype == np.float32


def test_abs_gradient_at_zero_is_zero_like_torch():
    compare_with_torch(ops.abs, torch.abs, [np.array([-1.0, 0.0, 2.0])])


def test_sign_has_no_gradient():
    y = ops.sign(Tensor([-2.0, 0.0, 3.0], requires_grad=True))
    np.testing.assert_array_equal(y.data, [-1.0, 0.0, 1.0])
    assert not y.requires_grad


def test_erf_kernel_is_accurate():
    x = np.concatenate([np.linspace(-7, 7, 2801), [0.0, 2.5, -2.5, 1e-300]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf_kernel(x), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(erf_kernel(np.array([np.inf, -np.inf])), [1.0, -1.0])
    assert np.isnan(erf_kernel(np.array([np.nan]))[0])
    assert erf_kernel(np.zeros(3, dtype=np.float32)).dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(
    shape=shapes,
    seed=seeds,
    bounds=st.sampled_from([(-0.5, 0.5), (0.0, 1.0), (-1, 2), (0.25, 0.25)]),
)
def test_clip_matches_torch(shape, seed, bounds):
    x = np.random.default_rng(seed).standard_normal(shape)
    x = np.where(np.abs(x) < 0.3, bounds[0], x)  # some values exactly on a bound
    compare_with_torch(lambda t: ops.clip(t, *bounds), lambda t: torch.clamp(t, *bounds), [x])


def _ties(shape, seed):
    """Small integers (as floats), so that maximum/minimum inputs are often equal."""
    return np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@settings(max_examples=25, deadline=None)
@given(
    shapes_pair=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), seed=seeds
)
def test_maximum_minimum_match_torch_with_ties_and_broadcasting(name, shapes_pair, seed):
    a, b = _ties(shapes_pair.input_shapes[0], seed), _ties(shapes_pair.input_shapes[1], seed + 1)
    compare_with_torch(getattr(ops, name), getattr(torch, name), [a, b])


@settings(max_examples=25, deadline=None)
@given(
    shapes_triple=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
    seed=seeds,
)
def test_where_matches_torch(shapes_triple, seed):
    rng = np.random.default_rng(seed)
    c_shape, a_shape, b_shape = shapes_triple.input_shapes
    condition = rng.random(c_shape) > 0.5
    compare_with_torch(
        lambda a, b: ops.where(condition, a, b),
        lambda a, b: torch.where(torch.tensor(condition), a, b),
        [rng.standard_normal(a_shape), rng.standard_normal(b_shape)],
    )


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
    seed=seeds,
)
def test_logsumexp_matches_torch(data, shape, seed):
    axis = data.draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1),
            hnp.valid_tuple_axes(len(shape), min_size=1),
        )
    )
    keepdims = data.draw(st.booleans())
    dims = tuple(range(len(shape))) if axis is None else axis
    x = 10 * np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(
        lambda t: ops.logsumexp(t, axis=axis, keepdims=keepdims),
        lambda t: torch.logsumexp(t, dim=dims, keepdim=keepdims),
        [x],
    )


def test_binary_gradcheck(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    assert gradcheck(ops.maximum, [a, b])
    assert gradcheck(ops.minimum, [a, b])
    assert gradcheck(lambda s, t: ops.where(a > 0, s, t), [a, b])
    assert gradcheck(lambda s: ops.clip(s, -0.5, 0.5), [a])
    assert gradcheck(lambda s: ops.logsumexp(s, axis=(0, 1), keepdims=True), [a])


def test_logsumexp_is_stable():
    big = ops.logsumexp(Tensor([1000.0, 1000.0]))
    np.testing.assert_allclose(big.data, 1000.0 + np.log(2.0), rtol=1e-6)
    small = ops.logsumexp(Tensor([-1000.0, -1000.0]))
    np.testing.assert_allclose(small.data, -1000.0 + np.log(2.0), rtol=1e-6)
    x = Tensor([0.0, -np.inf], requires_grad=True)
    ops.logsumexp(x).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])
    with np.errstate(all="raise"):
        assert ops.logsumexp(Tensor([-np.inf, -np.inf])).item() == -np.inf


def test_constants_keep_the_tensor_dtype():
    x = Tensor(np.array([1.0, 3.0], dtype=np.float32), requires_grad=True)
    for y in (
        ops.maximum(x, 2.0),
        ops.minimum(2.0, x),
        ops.where([True, False], x, 0.0),
        ops.clip(x, 0, 2),
    ):
        assert y.dtype == np.float32


def test_where_with_condition_only_returns_indices():
    rows, cols = ops.where(np.array([[True, False], [False, True]]))
    np.testing.assert_array_equal(rows.data, [0, 1])
    np.testing.assert_array_equal(cols.data, [0, 1])


def test_bad_arguments():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"maximum: cannot broadcast shapes \(2, 3\) and \(2,\)"):
        ops.maximum(x, Tensor(np.zeros(2)))
    with pytest.raises(
        ValueError, match=r"where: cannot broadcast condition \(4,\), x1 \(2, 3\) and x2 \(2, 3\)"
    ):
        ops.where(np.ones(4, dtype=bool), x, x)
    with pytest.raises(ValueError, match=r"where: give both x1 and x2"):
        ops.where(np.ones(3, dtype=bool), x)
    with pytest.raises(ValueError, match=r"clip: x_min must not exceed x_max"):
        ops.clip(x, 1.0, 0.0)
    with pytest.raises(TypeError, match=r"clip: x_min and x_max must be numbers"):
        ops.clip(x, np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"logsumexp: axis 3 is out of range"):
        ops.logsumexp(x, axis=3)
