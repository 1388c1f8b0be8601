"""Pooling ops against PyTorch CPU (values and gradients), finite differences and the lessons."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import Tensor, gradcheck, no_grad
from strided.kernels.fast.im2col import resolve_padding

PADDINGS = ["valid", "same", 0, 1, (1, 0), ((0, 1), (1, 0))]


def explicit_pads(padding, spatial, k, s):
    """((top, bottom), (left, right)) for any padding argument, as the op resolves it."""
    if isinstance(padding, str):
        return resolve_padding(padding, spatial, k, s, (1, 1))
    if isinstance(padding, int):
        return ((padding, padding),) * 2
    return tuple((p, p) if isinstance(p, int) else p for p in padding)


def torch_pool(kind, x, k, s, pads, include_pad):
    """torch on NCHW: pad explicitly (asymmetric "same" too), then pool with padding=0."""
    (top, bottom), (left, right) = pads
    if kind == "max":
        return F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-np.inf), k, s)
    total = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), k, s) * (k[0] * k[1])
    if include_pad:
        return total / (k[0] * k[1])
    ones = F.pad(torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype), (left, right, top, bottom))
    return total / (F.avg_pool2d(ones, k, s) * (k[0] * k[1]))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 2), h=st.integers(2, 9), w=st.integers(2, 9), c=st.integers(1, 3),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.sampled_from(PADDINGS), kind=st.sampled_from(["max", "average"]),
    channels_first=st.booleans(), seed=st.integers(0, 2**16),
)
def test_pool2d_matches_torch(n, h, w, c, k, s, padding, kind, channels_first, seed):
    pads = explicit_pads(padding, (h, w), k, s)
    explicit = not isinstance(padding, str)
    assume(not explicit or all(p <= kk // 2 for pair, kk in zip(pads, k) for p in pair))
    assume(h + sum(pads[0]) >= k[0] and w + sum(pads[1]) >= k[1])
    x = np.random.default_rng(seed).standard_normal((n, h, w, c))
    data_format = "channels_first" if channels_first else "channels_last"
    op = ops.max_pool if kind == "max" else ops.average_pool
    layout = (lambda t: t) if channels_first else to_nchw
    def reference(a):
        y = torch_pool(kind, layout(a), k, s, pads, explicit)
        return y if channels_first else to_nhwc(y)

    compare_with_torch(lambda a: op(a, k, s, padding, data_format=data_format), reference,
                       [to_nchw(x) if channels_first else x])


@settings(max_examples=20, deadline=None)
@given(k=st.integers(2, 4), s=st.integers(1, 3), p=st.integers(0, 2), include=st.booleans(), seed=st.integers(0, 2**16))
def test_explicit_padding_is_torchs_padding_argument(k, s, p, include, seed):
    assume(p <= k // 2)
    x = np.random.default_rng(seed).standard_normal((2, 3, 7, 6))  # NCHW
    compare_with_torch(lambda a: ops.max_pool(a, k, s, p, data_format="channels_first"),
                       lambda a: F.max_pool2d(a, k, s, p), [x])
    compare_with_torch(
        lambda a: ops.average_pool(a, k, s, p, data_format="channels_first", count_include_pad=include),
        lambda a: F.avg_pool2d(a, k, s, p, count_include_pad=include), [x],
    )


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 2), length=st.integers(3, 12), c=st.integers(1, 3), k=st.integers(1, 3),
       s=st.integers(1, 3), channels_first=st.booleans(), seed=st.integers(0, 2**16))
def test_pool1d_matches_torch(n, length, c, k, s, channels_first, seed):
    x = np.random.default_rng(seed).standard_normal((n, c, length))  # NCL
    data_format = "channels_first" if channels_first else "channels_last"
    arrays = [x if channels_first else x.transpose(0, 2, 1)]

    def torch_1d(fn):
        return lambda a: fn(a) if channels_first else fn(a.permute(0, 2, 1)).permute(0, 2, 1)

    compare_with_torch(lambda a: ops.max_pool(a, k, s, data_format=data_format),
                       torch_1d(lambda a: F.max_pool1d(a, k, s)), arrays)
    compare_with_torch(lambda a: ops.average_pool(a, k, s, data_format=data_format),
                       torch_1d(lambda a: F.avg_pool1d(a, k, s)), arrays)
    compare_with_torch(lambda a: ops.lp_pool(a, k, s, data_format=data_format),
                       torch_1d(lambda a: F.lp_pool1d(a, 2, k, s)), arrays)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(2, 8), w=st.integers(2, 8), k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)), p=st.sampled_from([1, 2, 3, 1.5]), seed=st.integers(0, 2**16))
def test_lp_pool2d_matches_torch(h, w, k, s, p, seed):
    assume(h >= k[0] and w >= k[1])
    x = np.random.default_rng(seed).standard_normal((2, h, w, 3))
    x = x if p == 2 else np.abs(x) + 0.1  # torch raises x (not |x|) to the power p
    compare_with_torch(lambda a: ops.lp_pool(a, k, s, p=p),
                       lambda a: to_nhwc(F.lp_pool2d(to_nchw(a), p, k, s)), [x])


def test_lp_pool_gradient_is_zero_where_a_window_is_all_zero():
    x = Tensor(np.zeros((1, 2, 4, 1)), requires_grad=True, dtype="float64")
    x.data[0, :, 2:, 0] = [[3.0, 4.0], [0.0, 0.0]]
    y = ops.lp_pool(x, 2)
    np.testing.assert_allclose(y.data.ravel(), [0.0, 5.0])
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad[0, :, :, 0], [[0, 0, 0.6, 0.8], [0, 0, 0, 0]])
    assert np.isfinite(x.grad).all()


def test_gradcheck_pools():
    rng = np.random.default_rng(0)
    distinct = rng.permutation(2 * 5 * 6 * 2).reshape(2, 5, 6, 2) / 7.0  # no ties for max
    gradcheck(lambda a: ops.max_pool(a, (2, 3), (1, 2), padding="same"), [distinct])
    gradcheck(lambda a: ops.max_pool(a, 3, 2, padding=1), [distinct])
    gradcheck(lambda a: ops.average_pool(a, 3, 2, padding="same"), [rng.standard_normal((2, 5, 6, 2))])
    gradcheck(lambda a: ops.average_pool(a, 2, 1, padding=1, count_include_pad=False), [rng.standard_normal((1, 4, 4, 2))])
    gradcheck(lambda a: ops.lp_pool(a, 2, 1, p=3), [rng.standard_normal((1, 4, 4, 2))])
    gradcheck(lambda a: ops.max_pool(a, 2, data_format="channels_first"), [distinct])
    gradcheck(lambda a: ops.lp_pool(a, 3), [rng.standard_normal((2, 7, 3))])


def test_ties_match_torch_first_maximum():
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 7, 7)).astype(np.float64)  # many ties
    for k, s in [(2, 2), (3, 2), (3, 1)]:
        compare_with_torch(lambda a, k=k, s=s: ops.max_pool(a, k, s, data_format="channels_first"),
                           lambda a, k=k, s=s: F.max_pool2d(a, k, s), [x])
    compare_with_torch(lambda a: ops.global_max_pool(a, data_format="channels_first"),
                       lambda a: F.max_pool2d(a, 7).flatten(1), [x])


def test_same_padding_averages_only_real_pixels_like_keras():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = ops.average_pool(x, 2, 1, padding="same").numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[2, 3, 3.5], [5, 6, 6.5], [6.5, 7.5, 8]])
    y = ops.max_pool(np.arange(25.0).reshape(1, 5, 5, 1), 2, 2, padding="same").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])


def test_lesson_000_max_pooling_example():
    feature_map = np.array([[1, 3, 2, 1], [4, 6, 5, 2], [7, 8, 9, 3], [4, 5, 2, 1]], dtype=np.float32)
    y = ops.max_pool(feature_map[None, :, :, None], pool_size=2)
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[6, 5], [8, 9]])


def test_lesson_004_pooling_example():
    s = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [3, 4, 7, 2], [1, 2, 1, 0]], dtype=np.float32)[None, None]
    nchw = {"data_format": "channels_first"}
    np.testing.assert_array_equal(ops.max_pool(s, 2, 2, padding=0, **nchw).numpy(), [[[[5, 6], [4, 7]]]])
    np.testing.assert_array_equal(ops.average_pool(s, 2, 2, padding=0, **nchw).numpy(), [[[[3, 2.5], [2.5, 2.5]]]])
    np.testing.assert_array_equal(ops.adaptive_average_pool(s, 1, **nchw).numpy(), [[[[2.625]]]])
    np.testing.assert_array_equal(ops.global_average_pool(s, **nchw).numpy(), [[2.625]])
    l2 = ops.lp_pool(s, 2, **nchw).numpy()[0, 0]
    np.testing.assert_allclose(l2, np.sqrt([[46, 46], [30, 54]]), rtol=1e-6)
    for fn, module in [(ops.max_pool, torch.nn.MaxPool2d(2, 2, 0)), (ops.average_pool, torch.nn.AvgPool2d(2, 2, 0))]:
        np.testing.assert_array_equal(fn(s, 2, **nchw).numpy(), module(torch.tensor(s)).numpy())


@settings(max_examples=25, deadline=None)
@given(rank=st.sampled_from([3, 4, 5]), keepdims=st.booleans(), channels_first=st.booleans(), seed=st.integers(0, 2**16))
def test_global_pools_match_torch(rank, keepdims, channels_first, seed):
    rng = np.random.default_rng(seed)
    shape = (2, 3, *rng.integers(1, 5, rank - 2))  # N, C, spatial
    x = rng.standard_normal(shape)
    spatial = tuple(range(2, rank))
    data_format = "channels_first" if channels_first else "channels_last"
    arrays = [x if channels_first else np.moveaxis(x, 1, -1)]

    def reference(reduce):
        def fn(a):
            a = a if channels_first else torch.movedim(a, -1, 1)
            y = reduce(a)
            y = y.reshape(y.shape[0], y.shape[1], *(1,) * (rank - 2)) if keepdims else y.reshape(y.shape[:2])
            return y if channels_first or not keepdims else torch.movedim(y, 1, -1)
        return fn

    compare_with_torch(lambda a: ops.global_average_pool(a, keepdims, data_format),
                       reference(lambda a: a.mean(dim=spatial)), arrays)
    compare_with_torch(lambda a: ops.global_max_pool(a, keepdims, data_format),
                       reference(lambda a: a.flatten(2).max(dim=2).values), arrays)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 6), ow=st.integers(1, 6),
       channels_first=st.booleans(), seed=st.integers(0, 2**16))
def test_adaptive_pools_match_torch(h, w, oh, ow, channels_first, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
    data_format = "channels_first" if channels_first else "channels_last"
    arrays = [x if channels_first else to_nhwc(x)]
    for op, fn in [(ops.adaptive_average_pool, F.adaptive_avg_pool2d), (ops.adaptive_max_pool, F.adaptive_max_pool2d)]:
        def reference(a, fn=fn):
            return fn(a, (oh, ow)) if channels_first else to_nhwc(fn(to_nchw(a), (oh, ow)))

        compare_with_torch(lambda a, op=op: op(a, (oh, ow), data_format), reference, arrays)


def test_adaptive_pool_1d_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 10))  # NCL
    compare_with_torch(lambda a: ops.adaptive_average_pool(a, 4, "channels_first"),
                       lambda a: F.adaptive_avg_pool1d(a, 4), [x])
    compare_with_torch(lambda a: ops.adaptive_max_pool(a, 3),
                       lambda a: F.adaptive_max_pool1d(a.permute(0, 2, 1), 3).permute(0, 2, 1), [x.transpose(0, 2, 1)])
    gradcheck(lambda a: ops.adaptive_average_pool(a, (2, 3)), [x.reshape(2, 3, 5, 2)])


def test_dtype_is_kept_and_inference_needs_no_tape():
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype(np.float32)
    for fn in [lambda a: ops.max_pool(a, 2), lambda a: ops.average_pool(a, 3, 2, "same"), lambda a: ops.lp_pool(a, 2),
               ops.global_average_pool, ops.global_max_pool, lambda a: ops.adaptive_average_pool(a, 4)]:
        assert fn(x).dtype == np.float32
    with no_grad():
        inference = ops.max_pool(Tensor(x, requires_grad=True), 3, 2)
    assert not inference.requires_grad
    np.testing.assert_array_equal(inference.data, ops.max_pool(x, 3, 2).data)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: ops.max_pool(np.ones((28, 28)), 2), ValueError, r"max_pool: expected a 3-D .* received shape \(28, 28\)"),
        (lambda: ops.max_pool(np.ones((1, 3, 3, 1)), 4), ValueError, r"max_pool: pool_size \(4, 4\) is larger .*\(1, 3, 3, 1\)"),
        (lambda: ops.average_pool(np.ones((1, 8, 8, 1)), 2, strides=0), ValueError, r"average_pool: .*strides.* > 0"),
        (lambda: ops.max_pool(np.ones((1, 8, 8, 1)), (2, 2, 2)), ValueError, r"max_pool: .*pool_size.*tuple of 2"),
        (lambda: ops.max_pool(np.ones((1, 8, 8, 1)), 2, padding="full"), ValueError, r"max_pool: padding must be"),
        (lambda: ops.max_pool(np.ones((1, 8, 8, 1)), 2, padding=2), ValueError, r"max_pool: explicit padding .* half"),
        (lambda: ops.max_pool(np.ones((1, 8, 8, 1), dtype=int), 2), TypeError, r"max_pool: expected a float input"),
        (lambda: ops.lp_pool(np.ones((1, 8, 8, 1)), 2, p=0), ValueError, r"lp_pool: p must be a positive"),
        (lambda: ops.global_average_pool(np.ones((7, 7))), ValueError, r"global_average_pool: .* received shape \(7, 7\)"),
        (lambda: ops.adaptive_max_pool(np.ones((1, 8, 8, 1)), 0), ValueError, r"adaptive_max_pool: .*output_size"),
        (lambda: ops.max_pool(np.ones((1, 8, 8, 1)), 2, data_format="nchw"), ValueError, r"data_format"),
    ],
)
def test_bad_arguments_name_the_op_and_shapes(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("extra_consumer", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_relu_then_max_pool_gradients_equal_the_plain_path(extra_consumer, data_format):
    """conv(+ReLU) -> max_pool: each op computes its own backward (the conv applies its ReLU
    mask itself); the gradients equal the plain relu(conv) -> max_pool path, also when the
    conv output has a second consumer."""
    rng = np.random.default_rng(7)
    x, kernel, bias = rng.standard_normal((2, 8, 8, 3)), rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    if data_format == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    upstream = rng.standard_normal((2, 4, 4, 4))  # (N, 4, 4, C) or (N, C, 4, 4): both 4s
    results = []
    for fused in (True, False):
        xs, ks, bs = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, kernel, bias))
        if fused:
            z = ops.conv_bias_activation(xs, ks, bs, "relu", padding="same", data_format=data_format)
        else:
            shaped = bs if data_format == "channels_last" else ops.reshape(bs, (4, 1, 1))
            z = ops.relu(ops.conv(xs, ks, padding="same", data_format=data_format) + shaped)
        y = ops.max_pool(z, 2, data_format=data_format)
        loss = ops.sum(y * upstream)
        if extra_consumer:
            loss = loss + ops.sum(z * 0.5)
        loss.backward()
        results.append((xs.grad, ks.grad, bs.grad))
    for fused_grad, plain_grad in zip(*results):
        np.testing.assert_allclose(fused_grad, plain_grad, atol=1e-12)
