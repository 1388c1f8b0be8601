"""Width-strided depthwise convolution on column groups (`kernels.fast.depthwise_pairs`) and
the cost rule that chooses it (`kernels.fast.depthwise_cost`): forward, dX and dK equal the
reference kernel and PyTorch's conv2d(groups=C) for any stride, dilation and padding, in both
data formats, whichever layout the rule picks."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from strided import layers, ops
from strided.autograd import Tensor
from strided.kernels import reference_set
from strided.kernels.fast import depthwise, depthwise_cost, depthwise_pairs, depthwise_planes
from strided.kernels.fast.im2col import conv_output_size

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
FLOAT64 = {"rtol": 1e-10, "atol": 1e-10}


@st.composite
def geometries(draw):
    """Any geometry (column groups are chosen only for width strides above 1, but hold for 1)."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 4)))  # s_w = 1 too: one part, no fold
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pads = tuple((draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(2))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 13)), draw(st.integers(1, 15))
    for size, k, s, d, pair in zip((h, w), (kh, kw), strides, dilation, pads):
        assume(conv_output_size(size, k, s, sum(pair), d) >= 1)
    return (n, h, w, draw(st.integers(1, 5))), (kh, kw), strides, pads, dilation


@SETTINGS
@given(geometries(), st.integers(0, 2**16))
def test_column_groups_match_reference(geometry, seed):
    """Each column-group kernel on its own (whatever the cost rule would pick), float64."""
    x_shape, (kh, kw), strides, pads, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    taps = rng.standard_normal((kh, kw, x_shape[3]))
    expected = reference_set.depthwise_conv2d_forward(x, taps[..., None], strides, pads, dilation)
    y = np.empty(expected.shape)
    depthwise_pairs.pairs_windowed_sum(x, taps, strides, dilation, pads, y)
    np.testing.assert_allclose(y, expected, **FLOAT64)
    gy = rng.standard_normal(y.shape)
    dx_ref, dk_ref = reference_set.depthwise_conv2d_backward(gy, x, taps[..., None], strides, pads, dilation)
    dk = depthwise_pairs.pairs_products_sum(x, gy, (kh, kw), strides, dilation, pads)
    np.testing.assert_allclose(dk, dk_ref[..., 0], **FLOAT64)
    dx = depthwise_pairs.pairs_input_gradient(gy, taps, x.shape, strides, pads, dilation)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, dx_ref, **FLOAT64)


def _torch_depthwise(x_nchw, kernel, strides, pads, dilation, gy_nchw):
    """PyTorch's output and gradients (dx NCHW, dkernel (kh, kw, C, M)) for the same problem."""
    kh, kw, channels, multiplier = kernel.shape
    tx = torch.tensor(x_nchw, requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(kernel.reshape(kh, kw, -1).transpose(2, 0, 1)[:, None]), requires_grad=True)
    padded = torch.nn.functional.pad(tx, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
    ty = torch.nn.functional.conv2d(padded, tk, stride=strides, dilation=dilation, groups=channels)
    ty.backward(torch.from_numpy(gy_nchw))
    dk = tk.grad.numpy()[:, 0].transpose(1, 2, 0).reshape(kernel.shape)
    return ty.detach().numpy(), tx.grad.numpy(), dk


CASES = [  # (x NHWC, kernel, strides, pads, dilation): odd sizes, 'same' and 'valid', dilated
    ((2, 15, 13, 7), (3, 3, 7, 1), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ((2, 14, 16, 9), (3, 3, 9, 1), (2, 2), ((0, 1), (0, 1)), (1, 1)),
    ((1, 17, 19, 6), (5, 5, 6, 1), (2, 2), ((2, 2), (2, 2)), (1, 1)),
    ((2, 13, 13, 5), (3, 3, 5, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((2, 12, 15, 8), (3, 3, 8, 1), (1, 1), ((2, 2), (2, 2)), (2, 2)),
    ((1, 16, 17, 4), (3, 3, 4, 1), (2, 2), ((2, 1), (1, 2)), (2, 2)),
    ((2, 11, 21, 6), (3, 5, 6, 1), (1, 3), ((1, 1), (3, 3)), (1, 2)),
    ((1, 9, 23, 3), (7, 7, 3, 1), (2, 2), ((3, 3), (3, 3)), (1, 1)),
]


@pytest.mark.parametrize("x_shape, kernel_shape, strides, pads, dilation", CASES)
def test_both_formats_match_pytorch(x_shape, kernel_shape, strides, pads, dilation):
    """The kernels the cost rule picks, channels-last and channels-first: y, dX and dK as
    PyTorch's conv2d(groups=C), float64."""
    rng = np.random.default_rng(sum(x_shape) + sum(kernel_shape))
    x = rng.standard_normal(x_shape)
    kernel = rng.standard_normal(kernel_shape)
    x_nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    y_last = depthwise.depthwise_conv2d_forward(x, kernel, strides, pads, dilation)
    gy = rng.standard_normal(y_last.shape)
    gy_nchw = np.ascontiguousarray(gy.transpose(0, 3, 1, 2))
    y_torch, dx_torch, dk_torch = _torch_depthwise(x_nchw, kernel, strides, pads, dilation, gy_nchw)
    dx_last, dk_last = depthwise.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation)
    np.testing.assert_allclose(y_last.transpose(0, 3, 1, 2), y_torch, **FLOAT64)
    np.testing.assert_allclose(dx_last.transpose(0, 3, 1, 2), dx_torch, **FLOAT64)
    np.testing.assert_allclose(dk_last, dk_torch, **FLOAT64)
    y_first = depthwise_planes.depthwise_conv2d_forward_channels_first(x_nchw, kernel, strides, pads, dilation)
    dx_first, dk_first = depthwise_planes.depthwise_conv2d_backward_channels_first(
        gy_nchw, x_nchw, kernel, strides, pads, dilation)
    np.testing.assert_allclose(y_first, y_torch, **FLOAT64)
    np.testing.assert_allclose(dx_first, dx_torch, **FLOAT64)
    np.testing.assert_allclose(dk_first, dk_torch, **FLOAT64)


@pytest.mark.parametrize("method", ["phases", "pairs"])
def test_each_layout_matches_pytorch_in_float32(monkeypatch, method):
    """Either layout, forced, on a block-spanning float32 problem (many rows per image)."""
    monkeypatch.setattr(depthwise, "forward_method", lambda *args: method)
    monkeypatch.setattr(depthwise, "kernel_gradient_method", lambda *args: method)
    monkeypatch.setattr(depthwise, "input_gradient_method", lambda *args: method)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 40, 38, 24)).astype(np.float32)
    kernel = (rng.standard_normal((3, 3, 24, 1)) * 0.3).astype(np.float32)
    pads = ((0, 1), (0, 1))
    y = depthwise.depthwise_conv2d_forward(x, kernel, (2, 2), pads)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, (2, 2), pads)
    y_torch, dx_torch, dk_torch = _torch_depthwise(
        np.ascontiguousarray(x.transpose(0, 3, 1, 2)), kernel, (2, 2), pads, (1, 1),
        np.ascontiguousarray(gy.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.transpose(0, 3, 1, 2), y_torch, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx.transpose(0, 3, 1, 2), dx_torch, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dk, dk_torch, rtol=1e-4, atol=1e-3)


def test_cost_rule_uses_column_groups_only_where_they_pay():
    """Stride 1 has one layout; a dilation that is a multiple of the stride leaves half of
    each group's vector zero, so the column phases win; a 3x3 stride-2 kernel gradient, whose
    phase split would be a strided copy per pixel, goes to column groups."""
    for method in (depthwise_cost.forward_method, depthwise_cost.kernel_gradient_method,
                   depthwise_cost.input_gradient_method):
        assert method(64, (3, 3), (1, 1), (1, 1)) == "phases"
        assert method(64, (3, 3), (2, 2), (2, 2)) == "phases"
    assert depthwise_cost.kernel_gradient_method(96, (3, 3), (2, 2), (1, 1)) == "pairs"
    assert depthwise_cost.input_gradient_method(96, (3, 3), (2, 2), (1, 1)) == "pairs"


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("strides, dilation", [(2, 1), (1, 2)])
def test_separable_layer_matches_pytorch(data_format, strides, dilation):
    """SeparableConv2D (depthwise then 1x1) with a stride or a dilation, 'same' padding, odd
    sizes: output and the gradients of input and both kernels as PyTorch's, float64."""
    rng = np.random.default_rng(strides * 10 + dilation)
    x = rng.standard_normal((2, 13, 11, 6))
    layer = layers.SeparableConv2D(5, 3, strides=strides, dilation_rate=dilation, padding="same",
                                   data_format=data_format, dtype="float64")
    inputs = x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    tx = Tensor(inputs, requires_grad=True)
    y = layer(tx)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    depth_k, point_k, bias = (np.asarray(w.data) for w in (layer.depthwise_kernel, layer.pointwise_kernel, layer.bias))
    torch_x = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
    torch_dk = torch.tensor(np.ascontiguousarray(depth_k[..., 0].transpose(2, 0, 1)[:, None]), requires_grad=True)
    torch_pk = torch.tensor(np.ascontiguousarray(point_k[0, 0].T[:, :, None, None]), requires_grad=True)
    pads = [ops_pad(size, 3, strides, dilation) for size in (13, 11)]
    padded = torch.nn.functional.pad(torch_x, (*pads[1], *pads[0]))
    depth = torch.nn.functional.conv2d(padded, torch_dk, stride=strides, dilation=dilation, groups=6)
    torch_y = torch.nn.functional.conv2d(depth, torch_pk, torch.tensor(bias))
    to_nchw = (lambda a: a.transpose(0, 3, 1, 2)) if data_format == "channels_last" else (lambda a: a)
    torch_y.backward(torch.from_numpy(np.ascontiguousarray(to_nchw(gy))))
    np.testing.assert_allclose(to_nchw(np.asarray(y.data)), torch_y.detach().numpy(), **FLOAT64)
    np.testing.assert_allclose(to_nchw(tx.grad), torch_x.grad.numpy(), **FLOAT64)
    np.testing.assert_allclose(layer.depthwise_kernel.grad[..., 0].transpose(2, 0, 1),
                               torch_dk.grad.numpy()[:, 0], **FLOAT64)
    np.testing.assert_allclose(layer.pointwise_kernel.grad[0, 0].T, torch_pk.grad.numpy()[:, :, 0, 0], **FLOAT64)


def ops_pad(size, kernel, stride, dilation):
    """Keras' 'same' padding (before, after) along one axis."""
    extent = (kernel - 1) * dilation + 1
    total = max(0, (-(-size // stride) - 1) * stride + extent - size)
    return total // 2, total - total // 2


def test_ops_depthwise_conv_strided_formats_agree():
    """ops.depthwise_conv with stride 2 on odd sizes: the same numbers in both formats."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 15, 17, 5))
    kernel = rng.standard_normal((3, 3, 5, 1))
    last = ops.depthwise_conv(x, kernel, strides=2, padding="same")
    first = ops.depthwise_conv(x.transpose(0, 3, 1, 2), kernel, strides=2, padding="same",
                               data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first.data).transpose(0, 2, 3, 1), np.asarray(last.data), **FLOAT64)


def test_gradients_same_on_any_thread_count():
    """dK and the bias' gradient are summed chunk by chunk in a fixed order: bit-identical on
    one thread and on four."""
    import strided

    rng = np.random.default_rng(13)
    x = rng.standard_normal((9, 64, 64, 32)).astype(np.float32)  # several chunks of rows and images
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same")
    layer.build(x.shape)
    results = []
    previous = strided.get_num_threads()
    try:
        for threads in (1, 4):
            strided.set_num_threads(threads)
            tx = Tensor(x, requires_grad=True)
            y = layer(tx, training=True)
            y.backward(np.cos(np.arange(y.size, dtype=np.float32)).reshape(y.shape))
            results.append((tx.grad.copy(), layer.kernel.grad.copy(), layer.bias.grad.copy()))
            for weight in layer.trainable_weights:
                weight.grad = None
    finally:
        strided.set_num_threads(previous)
    for one, four in zip(*results):
        np.testing.assert_array_equal(one, four)


@pytest.mark.parametrize("strides", [(1, 1), (2, 2)])
def test_blocks_of_rows_spanning_images_match_pytorch(strides):
    """Output rows in several blocks of `tuning.DEPTHWISE_BLOCK` floats, blocks that start
    inside one image and end in the next: y, dX and dK as PyTorch's."""
    from strided.kernels.fast.tuning import DEPTHWISE_BLOCK

    rng = np.random.default_rng(14)
    channels, width = 48, 45
    out_w = -(-width // strides[1])
    rows_per_block = DEPTHWISE_BLOCK // (out_w * channels)
    height = strides[0] * (rows_per_block * 3 // 4)  # a block ends inside the second image
    x = rng.standard_normal((3, height, width, channels)).astype(np.float32)
    kernel = (rng.standard_normal((5, 5, channels, 1)) * 0.2).astype(np.float32)
    pads = ((2, 2), (2, 2))
    y = depthwise.depthwise_conv2d_forward(x, kernel, strides, pads)
    assert 3 * y.shape[1] > 2 * rows_per_block
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, strides, pads)
    y_torch, dx_torch, dk_torch = _torch_depthwise(
        np.ascontiguousarray(x.transpose(0, 3, 1, 2)), kernel, strides, pads, (1, 1),
        np.ascontiguousarray(gy.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y.transpose(0, 3, 1, 2), y_torch, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx.transpose(0, 3, 1, 2), dx_torch, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, dk_torch, rtol=1e-3, atol=1e-2)


def test_channels_first_blocks_of_planes_spanning_images_match_pytorch():
    """Channels-first planes in several blocks of `tuning.DEPTHWISE_BLOCK` output floats, a
    block ending inside an image, stride 2: y, dX and dK as PyTorch's."""
    from strided.kernels.fast.tuning import DEPTHWISE_BLOCK

    rng = np.random.default_rng(15)
    channels = 200
    x = rng.standard_normal((3, channels, 32, 31)).astype(np.float32)
    kernel = (rng.standard_normal((3, 3, channels, 1)) * 0.3).astype(np.float32)
    pads = ((0, 1), (1, 1))
    y = depthwise_planes.depthwise_conv2d_forward_channels_first(x, kernel, (2, 2), pads)
    planes_per_block = DEPTHWISE_BLOCK // (y.shape[2] * y.shape[3])
    assert planes_per_block < 3 * channels and planes_per_block % channels
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk = depthwise_planes.depthwise_conv2d_backward_channels_first(gy, x, kernel, (2, 2), pads)
    y_torch, dx_torch, dk_torch = _torch_depthwise(x, kernel, (2, 2), pads, (1, 1), gy)
    np.testing.assert_allclose(y, y_torch, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, dx_torch, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, dk_torch, rtol=1e-3, atol=1e-2)


@pytest.mark.parametrize("strides, dilation", [((2, 2), (1, 1)), ((1, 1), (2, 2))])
def test_kernel_gradient_of_a_batch_is_its_halves_added(strides, dilation):
    """dK (both formats) and the bias' gradient are summed over whole images along the batch's
    halving tree: the whole batch's sums equal, bit for bit, the sums two processes make of
    its halves (`kernels.collective.batch_share`), added."""
    from strided.kernels import collective

    rng = np.random.default_rng(16)
    x = rng.standard_normal((34, 20, 21, 8)).astype(np.float32)  # halves of 17: above a leaf (16)
    kernel = rng.standard_normal((3, 3, 8, 1)).astype(np.float32)
    pads = ((1, 1), (1, 1))
    y = depthwise.depthwise_conv2d_forward(x, kernel, strides, pads, dilation)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    x_first, gy_first = np.ascontiguousarray(x.transpose(0, 3, 1, 2)), np.ascontiguousarray(gy.transpose(0, 3, 1, 2))

    def sums(images):
        _, dk_last = depthwise.depthwise_conv2d_backward(gy[images], x[images], kernel, strides, pads, dilation,
                                                         need_dx=False)
        _, dk_first = depthwise_planes.depthwise_conv2d_backward_channels_first(
            gy_first[images], x_first[images], kernel, strides, pads, dilation, need_dx=False)
        return dk_last, dk_first, depthwise.depthwise_bias_gradient(gy[images])

    whole = sums(slice(0, 34))
    with collective.joined(object(), share=(17, 34)):
        halves = [sums(slice(0, 17)), sums(slice(17, 34))]
    for total, first, second in zip(whole, *halves):
        np.testing.assert_array_equal(total, first + second)
