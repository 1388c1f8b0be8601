"""The 3-D reference kernels against naive loops over output voxels (the definition), and the
gradient checker catching a deliberately wrong backward."""

import numpy as np
import pytest

from strided.autograd import Function, gradcheck
from strided.kernels.reference import conv3d as K
from strided.kernels.reference import pooling3d as P

RNG = np.random.default_rng(0)


def naive_conv3d(x, kernel, strides, dilation):
    n, depth, height, width, _ = x.shape
    kd, kh, kw, _, out_channels = kernel.shape
    outs = [K.output_size(size, k, s, 0, d) for size, k, s, d in zip((depth, height, width), (kd, kh, kw), strides, dilation)]
    y = np.zeros((n, *outs, out_channels))
    for i, j, l in np.ndindex(*outs):
        for a, b, e in np.ndindex(kd, kh, kw):
            voxel = x[:, i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1], l * strides[2] + e * dilation[2]]
            y[:, i, j, l] += voxel @ kernel[a, b, e]
    return y


@pytest.mark.parametrize("strides, dilation", [((1, 1, 1), (1, 1, 1)), ((2, 1, 3), (1, 2, 1))])
def test_conv3d_equals_the_naive_loop(strides, dilation):
    x, kernel = RNG.normal(size=(2, 6, 5, 7, 3)), RNG.normal(size=(2, 2, 3, 3, 4))
    np.testing.assert_allclose(K.conv3d(x, kernel, None, strides, ((0, 0),) * 3, dilation),
                               naive_conv3d(x, kernel, strides, dilation), rtol=1e-12)


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    """<conv(x), g> == <x, conv_transpose(g)>: the transposed convolution is the backward pass."""
    x, kernel = RNG.normal(size=(1, 7, 6, 5, 3)), RNG.normal(size=(3, 2, 2, 3, 4))
    strides = (2, 1, 2)
    y = K.conv3d(x, kernel, None, strides)
    g = RNG.normal(size=y.shape)
    back = K.conv3d_transpose(g, np.swapaxes(kernel, 3, 4).copy().swapaxes(3, 4), x.shape[1:4], (0, 0, 0), strides)
    # conv3d_transpose takes (kd, kh, kw, out, in): here out = 3 (x's channels), in = 4 (y's channels)
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * back), rtol=1e-10)
    np.testing.assert_allclose(back, K.conv3d_backward(g, x, kernel, strides)[0], rtol=1e-10, atol=1e-12)


def test_max_and_average_pool3d_equal_naive_windows():
    x = RNG.normal(size=(2, 5, 4, 6, 2))
    pool, strides = (2, 3, 2), (1, 1, 2)
    y_max, _ = P.max_pool3d(x, pool, strides, ((0, 0),) * 3)
    y_avg, _ = P.average_pool3d(x, pool, strides, ((0, 0),) * 3)
    for i, j, l in np.ndindex(*y_max.shape[1:4]):
        window = x[:, i * strides[0]:i * strides[0] + pool[0], j * strides[1]:j * strides[1] + pool[1],
                   l * strides[2]:l * strides[2] + pool[2]]
        np.testing.assert_array_equal(y_max[:, i, j, l], window.max(axis=(1, 2, 3)))
        np.testing.assert_allclose(y_avg[:, i, j, l], window.mean(axis=(1, 2, 3)), rtol=1e-12)


class _WrongConv3D(Function):
    """conv3d whose backward flips the kernel's depth axis: a classic mistake gradcheck must catch."""

    def forward(self, x, kernel):
        self.x, self.kernel = x, kernel
        return K.conv3d(x, kernel)

    def backward(self, gy):
        dx, dkernel, _ = K.conv3d_backward(gy, self.x, self.kernel[::-1].copy())
        return dx, dkernel


def test_gradcheck_catches_a_wrong_conv3d_backward():
    x, kernel = RNG.normal(size=(1, 4, 3, 3, 1)), RNG.normal(size=(2, 2, 2, 1, 1))
    assert gradcheck(lambda a, k: _conv3d_op(a, k), [x, kernel])
    assert not gradcheck(lambda a, k: _WrongConv3D.apply(a, k), [x, kernel], raise_exception=False)


def _conv3d_op(a, k):
    from strided import ops

    return ops.conv3d(a, k)


@pytest.mark.parametrize("strides, pads, dilation", [
    ((1, 1, 1), ((0, 0),) * 3, (1, 1, 1)), ((2, 1, 2), ((1, 0), (0, 1), (2, 1)), (1, 1, 1)), ((1, 1, 1), ((1, 1),) * 3, (2, 1, 1)),
])
def test_fast_conv3d_equals_the_reference(strides, pads, dilation):
    from strided.kernels.fast import conv3d as fast

    x, kernel, bias = RNG.normal(size=(2, 5, 6, 7, 3)), RNG.normal(size=(3, 2, 3, 3, 4)), RNG.normal(size=4)
    y = K.conv3d(x, kernel, bias, strides, pads, dilation)
    np.testing.assert_allclose(fast.conv3d(x, kernel, bias, strides, pads, dilation), y, rtol=1e-12, atol=1e-12)
    g = RNG.normal(size=y.shape)
    for ours, reference in zip(fast.conv3d_backward(g, x, kernel, strides, pads, dilation),
                               K.conv3d_backward(g, x, kernel, strides, pads, dilation)):
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("out_sizes, before, strides, dilation", [
    ((7, 7, 9), (0, 0, 0), (1, 1, 1), (1, 1, 1)), ((10, 12, 14), (1, 0, 1), (2, 2, 2), (1, 1, 1)),
    ((12, 12, 15), (0, 0, 0), (2, 2, 2), (2, 1, 1)),
])
def test_fast_conv3d_transpose_equals_the_reference(out_sizes, before, strides, dilation):
    from strided.kernels.fast import conv3d as fast

    x, kernel = RNG.normal(size=(2, 5, 6, 7, 3)), RNG.normal(size=(3, 2, 3, 4, 3))
    y = K.conv3d_transpose(x, kernel, out_sizes, before, strides, dilation)
    np.testing.assert_allclose(fast.conv3d_transpose(x, kernel, out_sizes, before, strides, dilation), y, rtol=1e-12)
    g = RNG.normal(size=y.shape)
    for ours, reference in zip(fast.conv3d_transpose_backward(g, x, kernel, before, strides, dilation),
                               K.conv3d_transpose_backward(g, x, kernel, before, strides, dilation)):
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


def test_ops_follow_the_chosen_kernel_set():
    import strided
    from strided import ops

    x, kernel = RNG.normal(size=(1, 4, 4, 4, 2)), RNG.normal(size=(3, 3, 3, 2, 3))
    fast_y = ops.conv3d(x, kernel, padding="same").numpy()
    with strided.kernels_used("reference"):
        reference_y = ops.conv3d(x, kernel, padding="same").numpy()
    np.testing.assert_allclose(fast_y, reference_y, rtol=1e-12)


def test_backward_without_the_input_gradient():
    from strided.kernels.fast import conv3d as fast

    x, kernel = RNG.normal(size=(1, 4, 4, 4, 2)), RNG.normal(size=(2, 2, 2, 2, 3))
    g = RNG.normal(size=(1, 3, 3, 3, 3))
    for kernels in (K, fast):
        dx, dkernel, dbias = kernels.conv3d_backward(g, x, kernel, need_dx=False)
        assert dx is None
        np.testing.assert_allclose(dkernel, K.conv3d_backward(g, x, kernel)[1], rtol=1e-12)
