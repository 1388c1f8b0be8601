"""Layer and group normalization kernels: fast against reference (hypothesis shapes, both data
formats, odd sizes, every groups dividing the channels, epsilon, with and without gamma/beta),
against torch.nn.functional in float64 and float32, by finite differences, and the same bits
on any number of threads and when a batch is split between processes."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import strided
from strided import layers, ops
from strided.autograd import Tensor, gradcheck
from strided.kernels import collective, fast_set, reference_set
from strided.kernels.fast import tuning

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def _close(fast, reference, dtype):
    tolerance = {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-4}
    if fast is None or reference is None:
        assert fast is None and reference is None
        return
    assert fast.shape == reference.shape and fast.dtype == reference.dtype
    np.testing.assert_allclose(fast, reference, **tolerance)


@st.composite
def row_cases(draw):
    samples, per_sample, features = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 70))
    return (samples, per_sample, features, draw(st.booleans()), draw(st.booleans()),
            draw(st.sampled_from([1e-5, 1e-3, 0.5])), draw(st.sampled_from([np.float32, np.float64])),
            draw(st.integers(0, 2**16)))


@SETTINGS
@given(row_cases())
def test_fast_layer_norm_matches_the_reference(case):
    samples, per_sample, features, with_gamma, with_beta, epsilon, dtype, seed = case
    rng = np.random.default_rng(seed)
    x2 = (rng.standard_normal((samples * per_sample, features)) * 3 + 2).astype(dtype)
    gamma = rng.standard_normal(features).astype(dtype) if with_gamma else None
    beta = rng.standard_normal(features).astype(dtype) if with_beta else None
    gy = rng.standard_normal(x2.shape).astype(dtype)
    y_fast, saved_fast = fast_set.layer_norm_forward(x2, gamma, beta, epsilon, samples)
    y_ref, saved_ref = reference_set.layer_norm_forward(x2, gamma, beta, epsilon, samples)
    _close(y_fast, y_ref, dtype)
    fast = fast_set.layer_norm_backward(gy, saved_fast, gamma, samples, True, with_gamma, with_beta)
    reference = reference_set.layer_norm_backward(gy, saved_ref, gamma, samples, True, with_gamma, with_beta)
    for a, b in zip(fast, reference):
        _close(a, b, dtype)
    inference, nothing = fast_set.layer_norm_forward(x2, gamma, beta, epsilon, samples, training=False)
    assert nothing is None and np.array_equal(inference, y_fast)


@st.composite
def group_cases(draw):
    per_group, groups = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    return (draw(st.integers(1, 4)), draw(st.integers(1, 40)), per_group * groups, groups, draw(st.booleans()),
            draw(st.booleans()), draw(st.sampled_from([1e-5, 1e-3, 0.5])),
            draw(st.sampled_from([np.float32, np.float64])), draw(st.integers(0, 2**16)))


@SETTINGS
@given(group_cases())
def test_fast_group_norm_matches_the_reference(case):
    n, positions, channels, groups, channels_first, affine, epsilon, dtype, seed = case
    rng = np.random.default_rng(seed)
    shape = (n, channels, positions) if channels_first else (n, positions, channels)
    x3 = (rng.standard_normal(shape) * 2 - 1).astype(dtype)
    gamma = rng.standard_normal(channels).astype(dtype) if affine else None
    beta = rng.standard_normal(channels).astype(dtype) if affine else None
    gy = rng.standard_normal(shape).astype(dtype)
    y_fast, saved_fast = fast_set.group_norm_forward(x3, groups, gamma, beta, epsilon, channels_first)
    y_ref, saved_ref = reference_set.group_norm_forward(x3, groups, gamma, beta, epsilon, channels_first)
    _close(y_fast, y_ref, dtype)
    fast = fast_set.group_norm_backward(gy, saved_fast, groups, gamma, channels_first, True, affine, affine)
    reference = reference_set.group_norm_backward(gy, saved_ref, groups, gamma, channels_first, True, affine,
                                                  affine)
    for a, b in zip(fast, reference):
        _close(a, b, dtype)


def test_group_norm_float32_far_from_zero_keeps_float32_precision(rng):
    """Data with mean 50 and std 0.5 (the two-pass statistics, the backward on the centred
    values): float32 within float32's reach of torch in float64, both formats."""
    x = (rng.standard_normal((3, 6, 5, 8)) * 0.5 + 50).astype(np.float32)
    gamma, beta = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    for data, fmt, up in ((x, "channels_last", upstream),
                          (nchw, "channels_first", np.ascontiguousarray(upstream.transpose(0, 3, 1, 2)))):
        tensors = [Tensor(a, requires_grad=True) for a in (data, gamma, beta)]
        y = ops.group_normalization(*[tensors[0], 4, tensors[1], tensors[2]], data_format=fmt)
        y.backward(up)
        expected = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma, beta)]
        out = F.group_norm(expected[0].permute(0, 3, 1, 2), 4, expected[1], expected[2], eps=1e-3)
        out = out.permute(0, 2, 3, 1) if fmt == "channels_last" else out
        out.backward(torch.tensor(up, dtype=torch.float64))
        grad_x = expected[0].grad.numpy() if fmt == "channels_last" else expected[0].grad.permute(0, 3, 1, 2).numpy()
        np.testing.assert_allclose(y.data, out.detach().numpy(), atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(tensors[0].grad, grad_x, atol=2e-4, rtol=1e-4)
        np.testing.assert_allclose(tensors[1].grad, expected[1].grad.numpy(), atol=2e-4, rtol=1e-4)


def test_layer_norm_float32_far_from_zero_keeps_float32_precision(rng):
    """Rows with mean 50 and std 0.5, over several blocks of rows: the two-pass statistics and
    the centred backward keep float32 within float32's reach of torch in float64."""
    x = (rng.standard_normal((6, 40, 24)) * 0.5 + 50).astype(np.float32)
    gamma, beta = rng.standard_normal(24).astype(np.float32), rng.standard_normal(24).astype(np.float32)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    tensors = [Tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    with mock.patch.object(tuning, "NORM_BLOCK_FLOATS", 24 * 7):  # blocks of 7 rows
        y = ops.layer_normalization(*tensors)
        y.backward(upstream)
    expected = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma, beta)]
    out = F.layer_norm(expected[0], (24,), expected[1], expected[2], eps=1e-3)
    out.backward(torch.tensor(upstream, dtype=torch.float64))
    np.testing.assert_allclose(y.data, out.detach().numpy(), atol=1e-4, rtol=1e-4)  # torch float32: 3e-5
    for mine, theirs in zip(tensors, expected):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("shape, normalized", [((3, 5, 7, 24), 1), ((4, 33), 1), ((2, 3, 4, 6), 3)])
def test_layer_normalization_matches_torch(rng, dtype, tolerance, shape, normalized):
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    trailing = shape[len(shape) - normalized:]
    gamma, beta = rng.standard_normal(trailing).astype(dtype), rng.standard_normal(trailing).astype(dtype)
    upstream = rng.standard_normal(shape).astype(dtype)
    axes = tuple(range(len(shape) - normalized, len(shape)))
    tensors = [Tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    y = ops.layer_normalization(*tensors, axis=axes, epsilon=1e-5)
    y.backward(upstream)
    expected = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    out = F.layer_norm(expected[0], trailing, expected[1], expected[2], eps=1e-5)
    out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.data, out.detach().numpy(), atol=tolerance, rtol=tolerance)
    for mine, theirs in zip(tensors, expected):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), atol=tolerance * 20, rtol=tolerance * 20)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("groups", [1, 3, 12])
def test_group_normalization_matches_torch(rng, dtype, tolerance, data_format, groups):
    nchw = (rng.standard_normal((3, 12, 5, 7)) * 2 + 1).astype(dtype)
    gamma, beta = rng.standard_normal(12).astype(dtype), rng.standard_normal(12).astype(dtype)
    upstream = rng.standard_normal(nchw.shape).astype(dtype)
    to_format = (lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1))) if data_format == "channels_last" \
        else (lambda a: a)
    tensors = [Tensor(a, requires_grad=True) for a in (to_format(nchw), gamma, beta)]
    y = ops.group_normalization(tensors[0], groups, tensors[1], tensors[2], epsilon=1e-5, data_format=data_format)
    y.backward(to_format(upstream))
    expected = [torch.tensor(a, requires_grad=True) for a in (nchw, gamma, beta)]
    out = F.group_norm(expected[0], groups, expected[1], expected[2], eps=1e-5)
    out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.data, to_format(out.detach().numpy()), atol=tolerance, rtol=tolerance)
    np.testing.assert_allclose(tensors[0].grad, to_format(expected[0].grad.numpy()), atol=tolerance * 20,
                               rtol=tolerance * 20)
    for mine, theirs in zip(tensors[1:], expected[1:]):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), atol=tolerance * 20, rtol=tolerance * 20)


def test_gradcheck_layer_and_group_norm(rng):
    x = rng.standard_normal((3, 2, 3, 6))
    g, b = rng.standard_normal(6), rng.standard_normal(6)
    assert gradcheck(lambda x, g, b: ops.layer_normalization(x, g, b), [x, g, b])
    assert gradcheck(lambda x, g, b: ops.layer_normalization(x, g, b, axis=(2, 3)),
                     [x, rng.standard_normal((3, 6)), rng.standard_normal((3, 6))])
    assert gradcheck(lambda x, g, b: ops.group_normalization(x, 3, g, b), [x, g, b])
    assert gradcheck(lambda x, g, b: ops.group_normalization(x, 2, g, b, data_format="channels_first"),
                     [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), g, b])


@pytest.mark.parametrize("make", [
    lambda x: ops.layer_normalization(x, np.full(7, 1.5), np.full(7, 0.2)),
    lambda x: ops.group_normalization(x, 7, np.full(7, 1.5), np.full(7, 0.2)),
])
def test_reference_kernels_run_under_set_kernels_reference(rng, make):
    """set_kernels("reference") runs the textbook forms: their numbers, not the fast ones'."""
    x = rng.standard_normal((2, 3, 4, 7)).astype(np.float32)
    fast = make(Tensor(x)).data
    with strided.kernels_used("reference"):
        with mock.patch.object(fast_set, "layer_norm_forward", side_effect=AssertionError), \
                mock.patch.object(fast_set, "group_norm_forward", side_effect=AssertionError):
            reference = make(Tensor(x)).data
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)


@pytest.fixture
def many_chunks():
    """Chunks of one sample, threads even on tiny arrays: many leaves to add along the tree."""
    with mock.patch.multiple(tuning, NORM_CHUNK_FLOATS=1, NORM_BLOCK_FLOATS=8, NORM_THREADED_FLOATS=1,
                             GLOBAL_POOL_CHUNK_FLOATS=1):
        yield



def _training_step(layer, x):
    tensor = Tensor(x, requires_grad=True)
    y = layer(tensor, training=True)
    y.backward(np.cos(np.arange(y.data.size, dtype=np.float32)).reshape(y.shape))
    gradients = [tensor.grad] + [w.grad for w in layer.trainable_weights]
    for weight in layer.trainable_weights:
        weight.grad = None
    return [y.data, *gradients]


LAYERS = [
    lambda: layers.LayerNormalization(),
    lambda: layers.LayerNormalization(axis=(1, 2, 3)),
    lambda: layers.GroupNormalization(4),
    lambda: layers.GroupNormalization(2, axis=1),
    lambda: layers.GlobalMaxPooling2D(),
    lambda: layers.GlobalAveragePooling2D(data_format="channels_first"),
]


@pytest.mark.parametrize("make", LAYERS)
def test_training_step_same_bits_on_one_and_two_threads(rng, make, many_chunks, threads):
    x = (rng.standard_normal((9, 6, 5, 8)) * 2 + 1).astype(np.float32)
    layer = make()
    layer.build(x.shape)
    results = []
    for count in (1, 2):
        threads(count)
        results.append(_training_step(layer, x))
    for one, two in zip(*results):
        assert np.array_equal(one, two)


class _Group:
    """A stand-in for a group of processes (the kernels here gather nothing)."""

    def all_gather(self, vector):  # pragma: no cover - not called by these kernels
        raise AssertionError("layer and group norm need no gathering")


@pytest.mark.parametrize("kernel", ["layer", "group_last", "group_first"])
def test_parameter_gradients_same_bits_when_two_processes_share_the_batch(rng, kernel, many_chunks):
    """A process computing half a batch adds its leaves as the whole batch's tree does: the two
    halves' dgamma and dbeta added give the one-process bits."""
    n = 7
    x = (rng.standard_normal((n, 6, 6)) + 1).astype(np.float32)
    gy = rng.standard_normal(x.shape).astype(np.float32)
    gamma, beta = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)

    def sums(start, stop):
        if kernel == "layer":
            xs, gs = x[start:stop].reshape(-1, 6), gy[start:stop].reshape(-1, 6)
            _, saved = fast_set.layer_norm_forward(xs, gamma, beta, 1e-3, stop - start)
            return fast_set.layer_norm_backward(gs, saved, gamma, stop - start)[1:]
        first = kernel == "group_first"
        _, saved = fast_set.group_norm_forward(x[start:stop], 3, gamma, beta, 1e-3, first)
        return fast_set.group_norm_backward(gy[start:stop], saved, 3, gamma, first)[1:]

    whole = sums(0, n)
    middle = (n + 1) // 2
    halves = []
    for start, stop in ((0, middle), (middle, n)):
        with collective.joined(_Group(), share=(stop - start, n)):
            halves.append(sums(start, stop))
    for one, (left, right) in zip(whole, zip(*halves)):
        assert np.array_equal(one, left + right)
