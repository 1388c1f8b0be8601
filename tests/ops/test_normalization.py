"""Batch, layer and group normalization vs PyTorch, finite differences, dtypes, errors."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.kernels import parallel

EPS = 1e-3
images = st.tuples(
    st.integers(2, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(0, 2**16),
)


def _case(case):
    n, h, w, c, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c)) * 2 + 1
    return rng, x, rng.standard_normal(c), rng.standard_normal(c)


@settings(max_examples=25, deadline=None)
@given(images)
def test_batch_normalization_inference_matches_torch(case):
    rng, x, gamma, beta = _case(case)
    mean, var = rng.standard_normal(x.shape[-1]), rng.uniform(0.5, 2, x.shape[-1])
    compare_with_torch(
        lambda x, m, v, o, s: ops.batch_normalization(
            x, m, v, axis=-1, offset=o, scale=s, epsilon=EPS
        ),
        lambda x, m, v, o, s: (x - m) / torch.sqrt(v + EPS) * s + o,
        [x, mean, var, beta, gamma],
    )
    compare_with_torch(  # PyTorch's own kernel, channels-first, x/gamma/beta gradients
        lambda x, o, s: ops.batch_normalization(
            x, mean, var, axis=1, offset=o, scale=s, epsilon=EPS
        ),
        lambda x, o, s: F.batch_norm(
            x, torch.tensor(mean), torch.tensor(var), s, o, training=False, eps=EPS
        ),
        [to_nchw(x), beta, gamma],
    )


@settings(max_examples=25, deadline=None)
@given(images)
def test_batch_norm_train_matches_torch(case):
    _, x, gamma, beta = _case(case)
    compare_with_torch(
        lambda x, g, b: ops.batch_norm_train(x, g, b, epsilon=EPS)[0],
        lambda x, g, b: to_nhwc(F.batch_norm(to_nchw(x), None, None, g, b, training=True, eps=EPS)),
        [x, gamma, beta],
    )
    compare_with_torch(
        lambda x: ops.batch_norm_train(x, axis=1, epsilon=EPS)[0],
        lambda x: F.batch_norm(x, None, None, training=True, eps=EPS),
        [to_nchw(x)],
    )


@settings(max_examples=15, deadline=None)
@given(images)
def test_batch_norm_train_with_relu_matches_torch(case):
    """relu=True: one op for BatchNormalization -> ReLU, the mask applied in batch norm's passes."""
    _, x, gamma, beta = _case(case)
    compare_with_torch(
        lambda x, g, b: ops.batch_norm_train(x, g, b, epsilon=EPS, relu=True)[0],
        lambda x, g, b: torch.relu(to_nhwc(F.batch_norm(to_nchw(x), None, None, g, b, training=True, eps=EPS))),
        [x, gamma, beta],
    )
    compare_with_torch(  # channels-first: the general path, then a ReLU
        lambda x: ops.batch_norm_train(x, axis=1, epsilon=EPS, relu=True)[0],
        lambda x: torch.relu(F.batch_norm(x, None, None, training=True, eps=EPS)),
        [to_nchw(x)],
    )


def test_batch_norm_train_with_relu_gradcheck(rng):
    x, g, b = rng.standard_normal((3, 2, 2, 4)), rng.standard_normal(4), rng.standard_normal(4)
    assert gradcheck(lambda x, g, b: ops.batch_norm_train(x, g, b, relu=True)[0], [x, g, b])


def test_batch_norm_train_statistics_biased_vs_torch_running_var(rng):
    x = rng.standard_normal((4, 3, 3, 2))
    _, mean, var = ops.batch_norm_train(Tensor(x, dtype=np.float64))
    assert isinstance(mean, np.ndarray) and mean.shape == (2,) and var.shape == (2,)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(var, x.var(axis=(0, 1, 2)))  # biased, as Keras
    running_mean, running_var = (
        torch.zeros(2, dtype=torch.float64),
        torch.ones(2, dtype=torch.float64),
    )
    F.batch_norm(to_nchw(torch.tensor(x)), running_mean, running_var, training=True, momentum=1.0)
    m = x.size // 2
    np.testing.assert_allclose(running_mean.numpy(), mean)
    np.testing.assert_allclose(running_var.numpy(), var * m / (m - 1))  # torch: unbiased


def test_batch_norm_train_dense_input(rng):
    compare_with_torch(
        lambda x, g, b: ops.batch_norm_train(x, g, b)[0],
        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=EPS),
        [rng.standard_normal((6, 5)), rng.standard_normal(5), rng.standard_normal(5)],
    )


@settings(max_examples=25, deadline=None)
@given(images)
def test_layer_normalization_matches_torch(case):
    _, x, gamma, beta = _case(case)
    compare_with_torch(
        lambda x, g, b: ops.layer_normalization(x, g, b, epsilon=EPS),
        lambda x, g, b: F.layer_norm(x, x.shape[-1:], g, b, eps=EPS),
        [x, gamma, beta],
    )
    shape = x.shape[1:]
    compare_with_torch(
        lambda x, g, b: ops.layer_normalization(x, g, b, axis=(1, 2, 3), epsilon=EPS),
        lambda x, g, b: F.layer_norm(x, shape, g, b, eps=EPS),
        [x, np.ones(shape) * 1.5, np.full(shape, 0.3)],
    )


@settings(max_examples=25, deadline=None)
@given(images, st.sampled_from([1, 2, 3]))
def test_group_normalization_matches_torch_both_formats(case, groups_per):
    rng, x, _, _ = _case(case)
    c = x.shape[-1] * groups_per  # make channels divisible by groups
    x = np.concatenate([x] * groups_per, axis=-1) + rng.standard_normal(x.shape[:-1] + (c,))
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    groups = c // groups_per
    torch_fn = lambda x, g, b: F.group_norm(x, groups, g, b, eps=EPS)
    compare_with_torch(
        lambda x, g, b: ops.group_normalization(x, groups, g, b, epsilon=EPS),
        lambda x, g, b: to_nhwc(torch_fn(to_nchw(x), g, b)),
        [x, gamma, beta],
    )
    compare_with_torch(
        lambda x, g, b: ops.group_normalization(
            x, groups, g, b, epsilon=EPS, data_format="channels_first"
        ),
        torch_fn,
        [to_nchw(x), gamma, beta],
    )


def test_gradcheck_all(rng):
    x, g, b = rng.standard_normal((3, 2, 2, 4)), rng.standard_normal(4), rng.standard_normal(4)
    mean, var = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    assert gradcheck(
        lambda x, m, v, o, s: ops.batch_normalization(x, m, v, -1, o, s), [x, mean, var, b, g]
    )
    assert gradcheck(lambda x, m, v: ops.batch_normalization(x, m, v, axis=3), [x, mean, var])
    assert gradcheck(lambda x, g, b: ops.batch_norm_train(x, g, b)[0], [x, g, b])
    assert gradcheck(lambda x: ops.batch_norm_train(x, axis=(1, 3))[0], [x])
    assert gradcheck(lambda x, g, b: ops.layer_normalization(x, g, b), [x, g, b])
    assert gradcheck(lambda x, g, b: ops.group_normalization(x, 2, g, b), [x, g, b])
    assert gradcheck(
        lambda x, g: ops.group_normalization(x, 2, g, data_format="channels_first"),
        [np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2))), g],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype, rng):
    x = Tensor(rng.standard_normal((2, 3, 3, 4)), dtype=dtype, requires_grad=True)
    g = Tensor(np.ones(4), dtype=dtype, requires_grad=True)
    y_train, mean, var = ops.batch_norm_train(x, g, np.zeros(4))
    outputs = [
        ops.batch_normalization(x, np.zeros(4), np.ones(4), axis=-1, scale=g),
        y_train,
        ops.layer_normalization(x, g),
        ops.group_normalization(x, 2, g),
    ]
    assert mean.dtype == dtype and var.dtype == dtype
    for y in outputs:
        x.grad = g.grad = None
        y.backward(np.ones(y.shape))
        assert y.dtype == dtype and x.grad.dtype == dtype and g.grad.dtype == dtype


def test_normalized_output_has_zero_mean_unit_variance(rng):
    x = rng.standard_normal((16, 4, 4, 3)).astype(np.float32) * 5 + 2
    y = ops.batch_norm_train(x, epsilon=0.0)[0].data
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_bad_arguments():
    x = np.zeros((2, 4, 4, 6))
    with pytest.raises(
        ValueError,
        match=r"group_normalization: `groups` must be a positive int dividing .*\(6, axis 3.*=4",
    ):
        ops.group_normalization(x, 4)
    with pytest.raises(
        ValueError,
        match=r"group_normalization: expected an input with at least 2 dimensions, "
        r"received shape \(6,\). Add a batch axis",
    ):
        ops.group_normalization(np.zeros(6), 2)
    with pytest.raises(
        ValueError, match=r"batch_normalization: `mean` must have shape \(6,\) .*mean.shape=\(4,\)"
    ):
        ops.batch_normalization(x, np.zeros(4), np.ones(6), axis=-1)
    with pytest.raises(ValueError, match=r"batch_norm_train: `gamma` must have shape \(4,\)"):
        ops.batch_norm_train(x, gamma=np.ones(6), axis=1)
    with pytest.raises(ValueError, match=r"layer_normalization: `beta` must have shape \(6,\)"):
        ops.layer_normalization(x, beta=np.ones((1, 6)))
    with pytest.raises(ValueError, match="batch_normalization: axis 4 is out of range"):
        ops.batch_normalization(x, np.zeros(6), np.ones(6), axis=4)


def test_channels_last_fast_path_equals_the_general_path(rng):
    """batch_norm_train's channels-last speed path gives the general (Standardize) numbers."""
    x = rng.standard_normal((4, 5, 3, 6))
    g, b = rng.standard_normal(6), rng.standard_normal(6)
    upstream = rng.standard_normal(x.shape)
    results = []
    for data, axis in ((x, -1), (np.moveaxis(x, -1, 1).copy(), 1)):  # the second is the general path
        tensors = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (data, g, b)]
        y, mean, var = ops.batch_norm_train(*tensors, axis=axis)
        y.backward(upstream if axis == -1 else np.moveaxis(upstream, -1, 1))
        dx = tensors[0].grad if axis == -1 else np.moveaxis(tensors[0].grad, 1, -1)
        out = y.data if axis == -1 else np.moveaxis(y.data, 1, -1)
        results.append((out, mean, var, dx, tensors[1].grad, tensors[2].grad))
    for fast, general in zip(*results):
        np.testing.assert_allclose(fast, general, atol=1e-12)


@pytest.mark.parametrize("relu", [False, True])
def test_channels_last_batch_norm_float32_over_many_chunks_with_an_offset(rng, relu):
    """Statistics combined from 26 chunks (one pass, Chan's formula), y = x * scale + shift and
    dx = scale * dy + slope * x + offset, in float32 on data far from zero (mean 50, std 0.5):
    still within float32's reach of torch in float64."""
    x = (rng.standard_normal((16, 8, 8, 6)) * 0.5 + 50).astype(np.float32)
    gamma, beta = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    tensors = [Tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    with mock.patch.object(parallel, "CHUNK_FLOATS", 6 * 40):  # 40 rows of (M, C) per chunk
        y, mean, var = ops.batch_norm_train(*tensors, epsilon=EPS, relu=relu)
        y.backward(upstream)
    reference = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma, beta)]
    expected = to_nhwc(F.batch_norm(to_nchw(reference[0]), None, None, reference[1], reference[2],
                                    training=True, eps=EPS))
    if relu:
        expected = torch.relu(expected)
    expected.backward(torch.tensor(upstream, dtype=torch.float64))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=(0, 1, 2)), rtol=1e-6)
    np.testing.assert_allclose(var, x64.var(axis=(0, 1, 2)), rtol=1e-4)
    np.testing.assert_allclose(y.data, expected.detach().numpy(), atol=2e-4)
    for ours, theirs in zip(tensors, reference):
        scale = np.abs(theirs.grad.numpy()).max()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), atol=2e-4 * scale)
