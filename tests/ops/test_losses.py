"""Losses: vs PyTorch (and Keras' clipping formula), finite differences, dtypes, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.ops.losses import SparseSoftmaxCrossentropy

EPS = 1e-7
cases = st.tuples(st.integers(1, 6), st.integers(2, 7), st.integers(0, 2**16))


def _keras_categorical(t, p):
    """Keras' formula from probabilities, written with torch ops."""
    p = p / p.sum(-1, keepdim=True)
    return -(t * torch.log(torch.clamp(p, EPS, 1 - EPS))).sum(-1)


def _probabilities(rng, shape):
    return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])


@settings(max_examples=25, deadline=None)
@given(cases)
def test_sparse_from_logits_matches_torch(case):
    n, c, seed = case
    rng = np.random.default_rng(seed)
    logits, labels = rng.standard_normal((n, c)) * 3, rng.integers(0, c, n)
    compare_with_torch(
        lambda x, y: ops.sparse_categorical_crossentropy(y, x, from_logits=True),
        lambda x, y: F.cross_entropy(x, y, reduction="none"),
        [logits, labels],
    )


@settings(max_examples=25, deadline=None)
@given(cases)
def test_sparse_from_probabilities_matches_keras_formula(case):
    n, c, seed = case
    rng = np.random.default_rng(seed)
    probs, labels = _probabilities(rng, (n, c)), rng.integers(0, c, n)
    one_hot = np.eye(c)[labels]
    compare_with_torch(
        lambda p: ops.sparse_categorical_crossentropy(labels, p),
        lambda p: _keras_categorical(torch.tensor(one_hot), p),
        [probs],
    )


@settings(max_examples=25, deadline=None)
@given(cases)
def test_categorical_matches_torch(case):
    n, c, seed = case
    rng = np.random.default_rng(seed)
    logits, soft = rng.standard_normal((n, c)) * 3, rng.uniform(0, 1, (n, c))
    compare_with_torch(
        lambda x: ops.categorical_crossentropy(soft, x, from_logits=True),
        lambda x: F.cross_entropy(x, torch.tensor(soft), reduction="none"),
        [logits],
    )
    probs = _probabilities(rng, (n, c)) * 2.0  # unnormalised: Keras divides by the sum
    compare_with_torch(
        lambda p: ops.categorical_crossentropy(soft, p),
        lambda p: _keras_categorical(torch.tensor(soft), p),
        [probs],
    )


@settings(max_examples=25, deadline=None)
@given(cases)
def test_binary_matches_torch(case):
    n, c, seed = case
    rng = np.random.default_rng(seed)
    logits, target = rng.standard_normal((n, c)) * 3, rng.uniform(0, 1, (n, c))
    compare_with_torch(
        lambda x: ops.binary_crossentropy(target, x, from_logits=True),
        lambda x: F.binary_cross_entropy_with_logits(x, torch.tensor(target), reduction="none"),
        [logits],
    )
    t = torch.tensor(target)
    compare_with_torch(
        lambda p: ops.binary_crossentropy(target, p),
        lambda p: (
            -(t * torch.log(p.clamp(EPS, 1 - EPS)) + (1 - t) * torch.log(1 - p.clamp(EPS, 1 - EPS)))
        ),
        [rng.uniform(0.01, 0.99, (n, c))],
    )


@settings(max_examples=25, deadline=None)
@given(cases)
def test_mean_squared_error_matches_torch(case):
    n, c, seed = case
    rng = np.random.default_rng(seed)
    compare_with_torch(
        ops.mean_squared_error,
        lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1),
        [rng.standard_normal((n, c)), rng.standard_normal((n, c))],
    )


def test_sparse_class_axis_1_matches_torch(rng):
    logits, labels = rng.standard_normal((2, 5, 3, 4)), rng.integers(0, 5, (2, 3, 4))
    compare_with_torch(
        lambda x, y: ops.sparse_categorical_crossentropy(y, x, from_logits=True, axis=1),
        lambda x, y: F.cross_entropy(x, y, reduction="none"),
        [logits, labels],
    )


def test_gradcheck_all(rng):
    logits, probs = rng.standard_normal((3, 4)), _probabilities(rng, (3, 4))
    labels, soft = np.array([0, 3, 1]), rng.uniform(0, 1, (3, 4))
    assert gradcheck(
        lambda x: ops.sparse_categorical_crossentropy(labels, x, from_logits=True), [logits]
    )
    assert gradcheck(lambda p: ops.sparse_categorical_crossentropy(labels, p), [probs])
    assert gradcheck(lambda x: ops.categorical_crossentropy(soft, x, from_logits=True), [logits])
    assert gradcheck(lambda p: ops.categorical_crossentropy(soft, p), [probs])
    assert gradcheck(lambda x: ops.binary_crossentropy(soft, x, from_logits=True), [logits])
    assert gradcheck(lambda p: ops.binary_crossentropy(soft, p), [probs])
    assert gradcheck(ops.mean_squared_error, [soft, logits])


def test_fused_sparse_path_is_one_function(rng):
    x = Tensor(rng.standard_normal((4, 10)), requires_grad=True)
    loss = ops.sparse_categorical_crossentropy(np.array([1, 2, 3, 9]), x, from_logits=True)
    assert isinstance(loss._creator, SparseSoftmaxCrossentropy)
    assert loss.shape == (4,)


def test_label_shapes_and_types_accepted(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = ops.sparse_categorical_crossentropy(np.array([0, 2, 1, 1]), x, from_logits=True).data
    for labels in (
        [[0], [2], [1], [1]],
        np.array([0, 2, 1, 1], np.uint8),
        np.array([0.0, 2.0, 1.0, 1.0]),
    ):
        np.testing.assert_array_equal(
            ops.sparse_categorical_crossentropy(labels, x, from_logits=True).data, expected
        )


def test_probability_clipping_equals_keras():
    # an output of exactly 0 for the true class: finite loss -log(1e-7), not infinity
    for dtype in (np.float32, np.float64):
        out = Tensor(np.array([[1.0, 0.0]]), dtype=dtype)
        loss = ops.categorical_crossentropy(np.array([[0.0, 1.0]]), out).data
        assert loss.dtype == dtype
        np.testing.assert_allclose(loss, [-np.log(dtype(EPS))], rtol=1e-6)
        np.testing.assert_allclose(ops.sparse_categorical_crossentropy([1], out).data, loss)
        np.testing.assert_allclose(
            ops.binary_crossentropy([[1.0]], Tensor(np.zeros((1, 1)), dtype=dtype)).data,
            [[-np.log(dtype(EPS))]],
            rtol=1e-6,
        )
    # target 0, output 1 in float32: Keras computes log(1 - (1 - 1e-7)) in float32
    one = np.float32(1.0)
    keras_value = -np.log(one - np.clip(one, np.float32(EPS), one - np.float32(EPS)))
    np.testing.assert_allclose(
        ops.binary_crossentropy([0.0], np.ones(1, np.float32)).data, [keras_value]
    )
    # a perfect prediction gives -log(1 - 1e-7) ~ 1e-7, as Keras
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy([0], [[1.0, 0.0]]).data, [1.19e-7], rtol=0.01
    )


def test_clipped_outputs_pass_no_gradient():
    q = Tensor(np.array([0.0, 1.0]), requires_grad=True, dtype=np.float64)
    ops.binary_crossentropy(np.array([1.0, 0.0]), q).backward(np.ones(2))
    np.testing.assert_array_equal(q.grad, [0.0, 0.0])
    p = Tensor(np.array([[0.0, 1.0]]), requires_grad=True, dtype=np.float64)
    ops.categorical_crossentropy(np.array([[1.0, 0.0]]), p).backward(np.ones(1))
    assert p.grad[0, 0] == 0.0  # the true class's clipped probability passes no gradient


def test_no_gradient_into_targets(rng):
    target = Tensor(np.eye(3), requires_grad=True)
    x = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    ops.categorical_crossentropy(target, x, from_logits=True).backward(np.ones(3))
    assert target.grad is None and x.grad is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype, rng):
    x = Tensor(rng.uniform(0.1, 0.9, (4, 3)), dtype=dtype, requires_grad=True)
    labels = np.array([0, 1, 2, 0])
    losses = [
        ops.sparse_categorical_crossentropy(labels, x, from_logits=True),
        ops.sparse_categorical_crossentropy(labels, x),
        ops.categorical_crossentropy(np.eye(3)[labels], x),
        ops.binary_crossentropy(np.ones((4, 3)), x, from_logits=True),
        ops.binary_crossentropy(np.ones((4, 3)), x),
        ops.mean_squared_error(np.ones((4, 3)), x),
    ]
    for loss in losses:
        assert loss.dtype == dtype
        x.grad = None
        loss.backward(np.ones(loss.shape))
        assert x.grad.dtype == dtype


def test_mean_squared_error_aligns_ranks_like_keras():
    y_pred = np.array([[1.0], [3.0]])
    np.testing.assert_allclose(
        ops.mean_squared_error(np.array([0.0, 0.0]), y_pred).data, [1.0, 9.0]
    )
    np.testing.assert_allclose(
        ops.mean_squared_error(y_pred, np.array([0.0, 0.0])).data, [1.0, 9.0]
    )
    with pytest.raises(
        ValueError, match=r"mean_squared_error: .*y_true.shape=\(2, 3\), y_pred.shape=\(2, 2\)"
    ):
        ops.mean_squared_error(np.zeros((2, 3)), np.zeros((2, 2)))


def test_label_out_of_range_errors():
    x = np.zeros((2, 10))
    with pytest.raises(
        ValueError,
        match=r"sparse_categorical_crossentropy: labels must be in the range \[0, 10\).*label 10",
    ):
        ops.sparse_categorical_crossentropy([3, 10], x)
    with pytest.raises(ValueError, match=r"range \[0, 10\).*label -1"):
        ops.sparse_categorical_crossentropy([-1, 0], x, from_logits=True)
    with pytest.raises(ValueError, match="labels must be integers"):
        ops.sparse_categorical_crossentropy([0.5, 1.0], x)


def test_shape_errors():
    with pytest.raises(
        ValueError,
        match=r"sparse_categorical_crossentropy: expected integer labels of shape \(2,\).*one-hot",
    ):
        ops.sparse_categorical_crossentropy(np.eye(10)[:2], np.zeros((2, 10)))
    with pytest.raises(
        ValueError, match=r"categorical_crossentropy: .*target.shape=\(2,\).*sparse_categorical"
    ):
        ops.categorical_crossentropy(np.array([1, 2]), np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"binary_crossentropy: .*same shape"):
        ops.binary_crossentropy(np.zeros((2, 1)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        ops.categorical_crossentropy(1.0, 1.0)
