"""conv_relu_max_pool (the fused Conv2D(relu) + MaxPooling2D block) against PyTorch and the plain ops."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import no_grad, ops
from strided.autograd import Tensor, gradcheck
from strided.kernels import parallel
from strided.kernels.fast import conv_pool
from strided.kernels.fast.im2col import resolve_padding


def torch_block(x, w, b, stride, pads, dilation, pool):
    """max_pool2d(relu(conv2d(x) + b)) on channels-last data, with explicit (asymmetric) padding."""
    x = F.pad(to_nchw(x), (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
    y = F.conv2d(x, w.permute(3, 2, 0, 1).contiguous(), b, stride=stride, dilation=dilation)
    return to_nhwc(F.max_pool2d(F.relu(y), pool))


@pytest.fixture
def chunk_floats():
    """Set the kernel's chunk size (small values force many chunks and a short last one)."""
    original = parallel.CHUNK_FLOATS

    def set_chunk(value):
        parallel.CHUNK_FLOATS = value

    yield set_chunk
    parallel.CHUNK_FLOATS = original


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 4), h=st.integers(4, 10), w=st.integers(4, 10), c=st.sampled_from([1, 3, 8, 9]),
    f=st.integers(1, 5), k=st.integers(1, 3), stride=st.integers(1, 2), dilation=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same", 1]), pool=st.sampled_from([1, 2, 3, (2, 3)]),
    chunk=st.sampled_from([16, 1 << 18]), seed=st.integers(0, 2**16),
)
def test_matches_torch(n, h, w, c, f, k, stride, dilation, padding, pool, chunk, seed):
    pads = resolve_padding(padding, (h, w), (k, k), (stride,) * 2, (dilation,) * 2)
    pool2 = pool if isinstance(pool, tuple) else (pool, pool)
    conv_hw = [(size + sum(p) - dilation * (k - 1) - 1) // stride + 1 for size, p in zip((h, w), pads)]
    if min(conv_hw) < 1 or any(p > s for p, s in zip(pool2, conv_hw)):
        return  # an error case, tested below
    rng = np.random.default_rng(seed)
    with mock.patch.object(parallel, "CHUNK_FLOATS", chunk):  # not the fixture: hypothesis reuses it
        compare_with_torch(
            lambda x, kern, b: ops.conv_relu_max_pool(
                x, kern, b, strides=stride, padding=padding, dilation_rate=dilation, pool_size=pool
            ),
            lambda x, kern, b: torch_block(x, kern, b, stride, pads, dilation, pool2),
            [rng.standard_normal((n, h, w, c)), rng.standard_normal((k, k, c, f)), rng.standard_normal(f)],
        )


def test_ties_go_to_the_first_maximum_as_in_torch(chunk_floats):
    # Flat image regions give equal conv outputs (the bias) in a whole window: torch routes the
    # gradient to the window's first element only, and so must the fused kernel.
    chunk_floats(32)
    rng = np.random.default_rng(0)
    x = np.zeros((3, 10, 10, 1))
    x[:, 5:, 5:, :] = rng.standard_normal((3, 5, 5, 1))
    pads = ((0, 0), (0, 0))
    compare_with_torch(
        lambda a, kern, b: ops.conv_relu_max_pool(a, kern, b, pool_size=2),
        lambda a, kern, b: torch_block(a, kern, b, 1, pads, 1, (2, 2)),
        [x, rng.standard_normal((3, 3, 1, 4)), np.abs(rng.standard_normal(4)) + 0.1],
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_same_numbers_as_the_plain_ops(data_format, chunk_floats):
    chunk_floats(200)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 11, 13, 2)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 2, 6)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    results = []
    for fused in (True, False):
        inputs = [Tensor(a, requires_grad=True) for a in (x, kernel, bias)]
        if fused:
            out = ops.conv_relu_max_pool(*inputs, pool_size=2, data_format=data_format)
        else:
            conv = ops.conv_bias_activation(*inputs, activation="relu", data_format=data_format)
            out = ops.max_pool(conv, 2, data_format=data_format)
        out.backward(np.linspace(-1, 1, out.size, dtype=np.float32).reshape(out.shape))
        results.append([out.data] + [t.grad for t in inputs])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-5)


def test_inference_keeps_nothing_and_gives_the_same_values():
    rng = np.random.default_rng(2)
    x, kernel, bias = rng.standard_normal((4, 9, 9, 3)), rng.standard_normal((3, 3, 3, 5)), rng.standard_normal(5)
    trained = ops.conv_relu_max_pool(Tensor(x, requires_grad=True), kernel, bias)
    with no_grad():
        inferred = ops.conv_relu_max_pool(Tensor(x, requires_grad=True), kernel, bias)
    np.testing.assert_array_equal(trained.data, inferred.data)
    assert inferred._creator is None


def test_gradcheck():
    rng = np.random.default_rng(3)
    assert gradcheck(
        lambda x, kern, b: ops.conv_relu_max_pool(x, kern, b, padding="same", pool_size=2),
        [rng.standard_normal((2, 5, 6, 2)), rng.standard_normal((3, 3, 2, 3)), rng.standard_normal(3)],
    )


def test_without_bias_matches_torch():
    rng = np.random.default_rng(4)
    pads = ((0, 0), (0, 0))
    compare_with_torch(
        lambda x, kern: ops.conv_relu_max_pool(x, kern, pool_size=2),
        lambda x, kern: torch_block(x, kern, None, 1, pads, 1, (2, 2)),
        [rng.standard_normal((2, 8, 8, 3)), rng.standard_normal((3, 3, 3, 4))],
    )


def test_lesson_shape_fashion_block():
    # Lesson 002: 28x28x1 -> Conv2D(64, 3) 26x26x64 -> MaxPooling2D(2) 13x13x64.
    out = ops.conv_relu_max_pool(np.ones((2, 28, 28, 1)), np.ones((3, 3, 1, 64)), np.zeros(64))
    assert out.shape == (2, 13, 13, 64)
    np.testing.assert_array_equal(out.data, 9.0)


@pytest.mark.parametrize(
    "inputs, kernel, kwargs, message",
    [
        ((1, 8, 8, 4), (3, 3, 2, 4), {}, "groups=1"),
        ((1, 8, 4), (3, 4, 4), {}, "2-D convolution"),
        ((1, 4, 4, 1), (3, 3, 1, 2), {"pool_size": 3}, "larger than the convolution's output"),
        ((1, 8, 8, 1), (3, 3, 1, 2), {"pool_size": 0}, "pool_size"),
        ((1, 8, 8, 1), (3, 3, 2, 2), {}, "input channels"),
    ],
)
def test_clear_errors(inputs, kernel, kwargs, message):
    with pytest.raises(ValueError, match="conv_relu_max_pool") as error:
        ops.conv_relu_max_pool(np.zeros(inputs), np.zeros(kernel), **kwargs)
    assert message in str(error.value)


def test_bias_shape_error_names_the_op():
    with pytest.raises(ValueError, match=r"conv_relu_max_pool: the bias must have shape \(2,\)"):
        ops.conv_relu_max_pool(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 2)), np.zeros(3))


def test_kernel_chunking_does_not_change_results(chunk_floats):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 12, 12, 8)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 8, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    results = []
    for chunk in (1, 500, 1 << 18):  # one image per chunk, uneven chunks, one chunk
        chunk_floats(chunk)
        pooled, saved = conv_pool.conv_relu_maxpool_forward(x, kernel, bias, (1, 1), ((0, 0),) * 2, (1, 1), (2, 2))
        grads = conv_pool.conv_relu_maxpool_backward(
            np.ones_like(pooled), saved, x.shape, kernel, (1, 1), ((0, 0),) * 2, (1, 1), (2, 2)
        )
        results.append((pooled, *grads))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_torch_channels_first():
    rng = np.random.default_rng(6)
    x, kernel, bias = rng.standard_normal((2, 3, 9, 9)), rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    out = ops.conv_relu_max_pool(Tensor(x, dtype=np.float64), kernel, bias, data_format="channels_first")
    expected = F.max_pool2d(
        F.relu(F.conv2d(torch.tensor(x), torch.tensor(kernel).permute(3, 2, 0, 1), torch.tensor(bias))), 2
    )
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("size", [16, 17])  # 16: the windows cover the conv output: dX by correlation
def test_same_padding_with_eight_channels_matches_torch(size):
    """'same' padding and 8+ channels: dX as a correlation of dY when the pooling windows cover
    the whole conv output, by kernel offsets when a row and a column are left out."""
    rng = np.random.default_rng(size)
    pads = resolve_padding("same", (size, size), (3, 3), (1, 1), (1, 1))
    compare_with_torch(
        lambda x, kern, b: ops.conv_relu_max_pool(x, kern, b, padding="same", pool_size=2),
        lambda x, kern, b: torch_block(x, kern, b, 1, pads, 1, (2, 2)),
        [rng.standard_normal((3, size, size, 8)), rng.standard_normal((3, 3, 8, 4)), rng.standard_normal(4)],
    )


@pytest.mark.parametrize("shape, channels, pool", [((26, 26), 1, (2, 2)), ((11, 9), 3, (2, 3)), ((8, 8), 9, (2, 2))])
def test_first_layer_rows_ordered_windows_first_match_torch(shape, channels, pool):
    """Without dX wanted (a model's first layer) the GEMM's rows go window offset first; the
    kernel's and bias's gradients are torch's, in one chunk or many."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, *shape, channels))
    kernel, bias = rng.standard_normal((3, 3, channels, 4)), rng.standard_normal(4)
    upstream = rng.standard_normal((5, (shape[0] - 2) // pool[0], (shape[1] - 2) // pool[1], 4))
    for chunk in (16, 1 << 18):
        with mock.patch.object(parallel, "CHUNK_FLOATS", chunk):
            k, b = Tensor(kernel, requires_grad=True), Tensor(bias, requires_grad=True)
            out = ops.conv_relu_max_pool(Tensor(x), k, b, pool_size=pool)
            out.backward(upstream)
        tk, tb = torch.tensor(kernel, requires_grad=True), torch.tensor(bias, requires_grad=True)
        expected = torch_block(torch.tensor(x), tk, tb, 1, ((0, 0), (0, 0)), 1, pool)
        expected.backward(torch.tensor(upstream))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-10)
        np.testing.assert_allclose(k.grad, tk.grad.numpy(), atol=1e-9)
        np.testing.assert_allclose(b.grad, tb.grad.numpy(), atol=1e-9)


def test_dx_after_a_forward_that_did_not_expect_it():
    """A forward made for no dX (rows windows first) still gives dX when backward asks for it."""
    rng = np.random.default_rng(8)
    x, kernel, bias = rng.standard_normal((3, 9, 9, 2)), rng.standard_normal((3, 3, 2, 4)), rng.standard_normal(4)
    args = ((1, 1), ((0, 0), (0, 0)), (1, 1), (2, 2))
    results = []
    for need_dx in (False, True):
        pooled, saved = conv_pool.conv_relu_maxpool_forward(x, kernel, bias, *args, need_dx=need_dx)
        gp = np.random.default_rng(9).standard_normal(pooled.shape)
        results.append((pooled, *conv_pool.conv_relu_maxpool_backward(gp, saved, x.shape, kernel, *args)))
    assert results[0][1] is not None  # dx
    for first, second in zip(*results):
        np.testing.assert_allclose(first, second, atol=1e-12)


def test_remembered_view_geometry_follows_the_input_layout():
    """`covered_patches` keeps each input geometry's view (shape and strides): calls after the
    first at a shape give the same numbers as a fresh computation, also for inputs of the same
    shape laid out differently (a strided slice, channels-first data made channels-last, float32)."""
    rng = np.random.default_rng(10)
    kernel, bias = rng.standard_normal((3, 3, 4, 6)), rng.standard_normal(6)
    base = rng.standard_normal((2, 11, 22, 4))
    layouts = [
        np.ascontiguousarray(base[:, :, ::2]),  # contiguous
        base[:, :, ::2],  # same shape, other strides
        np.ascontiguousarray(base[:, :, 1::2].transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1),
        np.ascontiguousarray(base[:, :, ::2]).astype(np.float32),
    ]
    conv_pool._covered_views.clear()
    for padding in ("valid", "same"):
        for x in layouts:
            expected = torch_block(torch.tensor(x, dtype=torch.float64), torch.tensor(kernel),
                                   torch.tensor(bias), 1, resolve_padding(padding, (11, 11), (3, 3), (1, 1), (1, 1)),
                                   1, (2, 2)).numpy()
            for _ in range(2):  # the first call works the view out, the second reuses it
                with no_grad():
                    out = ops.conv_relu_max_pool(Tensor(x), kernel.astype(x.dtype), bias.astype(x.dtype),
                                                 padding=padding)
                np.testing.assert_allclose(out.data, expected, rtol=1e-4 if x.dtype == np.float32 else 1e-10,
                                           atol=1e-4 if x.dtype == np.float32 else 1e-10)
    # "valid": one entry per layout (the input is the view's base); "same": the padded copies
    # are contiguous, so one entry per dtype
    assert len(conv_pool._covered_views) == 4 + 2
