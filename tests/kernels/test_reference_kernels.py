"""The reference kernels are right: against PyTorch 2.13 and by central finite differences.

PyTorch is NCHW with kernels (O, C, kh, kw); the reference kernels are channels-last with
kernels (kh, kw, C, O), so arrays are transposed at the border. Everything in float64.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_oracle import to_nchw, to_nhwc

from strided.kernels.reference import (
    activations,
    batch_norm,
    conv,
    conv_transpose,
    dense,
    depthwise,
    losses,
    pooling,
)
from strided.kernels.reference.im2col import col2im, im2col, output_size


def t(array, grad=True):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def torch_kernel(kernel):
    """(kh, kw, C, O) -> (O, C, kh, kw)."""
    return t(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))


def close(ours, theirs, what="", rtol=1e-10):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-10, err_msg=what)


def numerical_gradient(f, x, upstream, h=1e-6):
    """d sum(f(x) * upstream) / dx by central differences, one coordinate at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = np.sum(f(x) * upstream)
        x[index] = saved - h
        minus = np.sum(f(x) * upstream)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def check_by_differences(f, inputs, gradients, seed=0):
    """gradients[i] is the analytic d sum(f(*inputs) * upstream) / d inputs[i] for the upstream
    returned by `gradients`' caller; compared with central differences."""
    upstream = np.random.default_rng(seed).standard_normal(np.shape(f(*inputs)))
    analytic = gradients(upstream)
    for i, x in enumerate(inputs):
        def f_i(value, i=i):
            args = list(inputs)
            args[i] = value
            return f(*args)
        np.testing.assert_allclose(analytic[i], numerical_gradient(f_i, x.copy(), upstream),
                                   rtol=1e-5, atol=1e-6, err_msg=f"gradient of input {i}")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_im2col_is_the_lessons_view_and_col2im_its_adjoint(rng):
    x = rng.standard_normal((2, 5, 6, 3))
    patches = im2col(x, (2, 3), (2, 1), (1, 2))
    assert patches.shape == (2, output_size(5, 2, 2), output_size(6, 3, 1, 0, 2), 2, 3, 3)
    assert not patches.flags.writeable  # a read-only view, no copy
    assert np.shares_memory(patches, x)
    assert patches[1, 1, 0, 1, 2, 2] == x[1, 1 * 2 + 1, 0 + 2 * 2, 2]
    cols = rng.standard_normal(patches.shape)  # <im2col(x), cols> == <x, col2im(cols)>
    assert np.isclose(np.sum(patches * cols), np.sum(x * col2im(cols, x.shape, (2, 1), (1, 2))))


def test_output_size_is_the_lessons_formula():
    # H' = floor((H - k + 2p) / s) + 1: lesson 003's Conv1 example, 28x28, k=5, p=2, s=2 -> 14
    assert output_size(28, 5, 2, 4) == 14
    assert output_size(64, 5, 4, 8) == 17


@pytest.mark.parametrize("strides,pads,dilation,groups", [
    ((1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 2), ((2, 2), (2, 2)), (1, 1), 1),  # the lesson's stride-2, padding-2 example
    ((1, 2), ((1, 0), (2, 1)), (2, 1), 1),
    ((1, 1), ((1, 1), (1, 1)), (1, 1), 2),
])
def test_conv2d_against_torch(rng, strides, pads, dilation, groups):
    x, kernel, bias = rng.standard_normal((2, 7, 8, 4)), rng.standard_normal((3, 3, 4 // groups, 6)), rng.standard_normal(6)
    y = conv.conv2d(x, kernel, bias, strides, pads, dilation, groups)
    gy = rng.standard_normal(y.shape)
    dx, dk, db = conv.conv2d_backward(gy, x, kernel, strides, pads, dilation, groups)
    tx, tk, tb = t(to_nchw(x)), torch_kernel(kernel), t(bias)
    (top, bottom), (left, right) = pads
    ty = F.conv2d(F.pad(tx, (left, right, top, bottom)), tk, tb, strides, 0, dilation, groups)
    ty.backward(t(to_nchw(gy), False))
    close(y, to_nhwc(ty), "y")
    close(dx, to_nhwc(tx.grad), "dx")
    close(dk, tk.grad.permute(2, 3, 1, 0), "dkernel")
    close(db, tb.grad, "dbias")


def test_conv2d_by_finite_differences(rng):
    x, kernel, bias = rng.standard_normal((1, 5, 4, 2)), rng.standard_normal((2, 3, 2, 3)), rng.standard_normal(3)
    args = ((2, 1), ((1, 0), (1, 1)), (1, 1))
    check_by_differences(
        lambda x, kernel, bias: conv.conv2d(x, kernel, bias, *args),
        [x, kernel, bias],
        lambda gy: conv.conv2d_backward(gy, x, kernel, *args),
    )


def test_depthwise_against_torch_and_differences(rng):
    x, kernel = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2))
    strides, pads, dilation = (2, 1), ((1, 1), (0, 1)), (1, 2)
    y = depthwise.depthwise_conv2d(x, kernel, strides, pads, dilation)
    gy = rng.standard_normal(y.shape)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation)
    tx = t(to_nchw(x))
    tk = t(np.ascontiguousarray(kernel.reshape(3, 2, 1, 6).transpose(3, 2, 0, 1)))  # (C*M, 1, kh, kw)
    ty = F.conv2d(F.pad(tx, (0, 1, 1, 1)), tk, None, strides, 0, dilation, groups=3)
    ty.backward(t(to_nchw(gy), False))
    close(y, to_nhwc(ty), "y")
    close(dx, to_nhwc(tx.grad), "dx")
    close(dk, tk.grad.permute(2, 3, 1, 0).reshape(kernel.shape), "dkernel")
    small_x, small_k = x[:1, :4, :4], kernel[:2, :2]
    check_by_differences(
        lambda x, k: depthwise.depthwise_conv2d(x, k, strides, pads, dilation), [small_x, small_k],
        lambda gy: depthwise.depthwise_conv2d_backward(gy, small_x, small_k, strides, pads, dilation),
    )


@pytest.mark.parametrize("stride,padding,output_padding,dilation", [(1, 0, 0, 1), (2, 1, 1, 1), (3, 1, 0, 2)])
def test_conv_transpose_against_torch(rng, stride, padding, output_padding, dilation):
    x, kernel = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((3, 3, 2, 5))  # (kh, kw, out, in)
    strides, crops = (stride, stride), ((padding, padding - output_padding),) * 2
    y = conv_transpose.conv_transpose2d(x, kernel, strides, crops, (dilation, dilation))
    gy = rng.standard_normal(y.shape)
    dx, dk = conv_transpose.conv_transpose2d_backward(gy, x, kernel, strides, crops, (dilation, dilation))
    tx, tk = t(to_nchw(x)), t(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))  # (in, out, kh, kw)
    ty = F.conv_transpose2d(tx, tk, None, stride, padding, output_padding, 1, dilation)
    ty.backward(t(to_nchw(gy), False))
    close(y, to_nhwc(ty), "y")
    close(dx, to_nhwc(tx.grad), "dx")
    close(dk, tk.grad.permute(2, 3, 1, 0), "dkernel")


def test_conv_transpose_by_finite_differences(rng):
    x, kernel = rng.standard_normal((1, 3, 2, 2)), rng.standard_normal((2, 3, 2, 2))
    args = ((2, 1), ((1, -1), (0, 1)), (1, 1))
    check_by_differences(
        lambda x, k: conv_transpose.conv_transpose2d(x, k, *args), [x, kernel],
        lambda gy: conv_transpose.conv_transpose2d_backward(gy, x, kernel, *args),
    )


@pytest.mark.parametrize("pool,stride,padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0)])
def test_pooling_against_torch(rng, pool, stride, padding):
    x = rng.standard_normal((2, 7, 6, 3))
    pads = ((padding, padding),) * 2
    for ours, ours_backward, theirs in [
        (pooling.max_pool2d, lambda gy: pooling.max_pool2d_backward(gy, x, (pool, pool), (stride, stride), pads),
         lambda tx: F.max_pool2d(tx, pool, stride, padding)),
        (pooling.average_pool2d,
         lambda gy: pooling.average_pool2d_backward(gy, x.shape, (pool, pool), (stride, stride), pads),
         lambda tx: F.avg_pool2d(tx, pool, stride, padding, count_include_pad=True)),
    ]:
        y = ours(x, (pool, pool), (stride, stride), pads)
        gy = rng.standard_normal(y.shape)
        tx = t(to_nchw(x))
        ty = theirs(tx)
        ty.backward(t(to_nchw(gy), False))
        close(y, to_nhwc(ty), f"y of {ours.__name__}")
        close(ours_backward(gy), to_nhwc(tx.grad), f"dx of {ours.__name__}")


def test_pooling_by_finite_differences(rng):
    x = rng.standard_normal((1, 5, 4, 2))
    args = ((3, 2), (2, 1), ((1, 1), (1, 0)))
    check_by_differences(lambda x: pooling.max_pool2d(x, *args), [x],
                         lambda gy: [pooling.max_pool2d_backward(gy, x, *args)])
    check_by_differences(lambda x: pooling.sum_pool2d(x, *args), [x],
                         lambda gy: [pooling.sum_pool2d_backward(gy, x.shape, *args)])


def test_max_pool_ties_go_to_the_first_maximum():
    x = np.ones((1, 2, 2, 1))
    dx = pooling.max_pool2d_backward(np.ones((1, 1, 1, 1)), x, (2, 2), (2, 2))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 0], [0, 0]])  # as torch's max_pool2d


def batch_norm_forward(x2, gamma, beta, epsilon=1e-5):
    mean, var = batch_norm.batch_statistics(x2)
    return batch_norm.batch_norm(x2, mean, var, gamma, beta, epsilon)


def batch_norm_gradients(gy, x2, gamma, epsilon=1e-5):
    mean, var = batch_norm.batch_statistics(x2)
    dgamma, dbeta = batch_norm.batch_norm_parameter_gradients(gy, x2, mean, var, epsilon)
    dx = batch_norm.batch_norm_backward(gy, x2, mean, var, gamma, epsilon, dgamma, dbeta)
    return dx, dgamma, dbeta


def test_batch_norm_against_torch_and_differences(rng):
    x2, gamma, beta = rng.standard_normal((12, 4)) * 2 + 1, rng.standard_normal(4), rng.standard_normal(4)
    y = batch_norm_forward(x2, gamma, beta)
    gy = rng.standard_normal(y.shape)
    tx, tg, tb = t(x2), t(gamma), t(beta)
    ty = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    ty.backward(t(gy, False))
    close(y, ty, "y")
    for what, ours, theirs in zip(("dx", "dgamma", "dbeta"), batch_norm_gradients(gy, x2, gamma), (tx, tg, tb)):
        close(ours, theirs.grad, what)
    small = x2[:5, :2].copy()
    check_by_differences(batch_norm_forward, [small, gamma[:2].copy(), beta[:2].copy()],
                         lambda gy: batch_norm_gradients(gy, small, gamma[:2]))


def test_dense_against_torch(rng):
    x2, kernel, bias = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    y = dense.dense(x2, kernel, bias)
    gy = rng.standard_normal(y.shape)
    tx, tk, tb = t(x2), t(kernel), t(bias)
    ty = F.linear(tx, tk.T, tb)
    ty.backward(t(gy, False))
    close(y, ty, "y")
    for what, ours, theirs in zip(("dx", "dkernel", "dbias"), dense.dense_backward(gy, x2, kernel), (tx, tk, tb)):
        close(ours, theirs.grad, what)


TORCH_ACTIVATIONS = {
    "relu": ({}, F.relu),
    "relu6": ({}, F.relu6),
    "leaky_relu": ({"slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    "elu": ({"alpha": 1.5}, lambda x: F.elu(x, 1.5)),
    "selu": ({}, F.selu),
    "sigmoid": ({}, torch.sigmoid),
    "tanh": ({}, torch.tanh),
    "softplus": ({}, F.softplus),
    "log_sigmoid": ({}, F.logsigmoid),
    "softsign": ({}, F.softsign),
    "silu": ({}, F.silu),
    "hard_sigmoid": ({}, F.hardsigmoid),
    "hard_silu": ({}, F.hardswish),
    "gelu": ({"approximate": False}, F.gelu),
    "gelu_tanh": ({"approximate": True}, lambda x: F.gelu(x, approximate="tanh")),
    "softmax": ({"axis": -1}, lambda x: F.softmax(x, -1)),
    "log_softmax": ({"axis": 0}, lambda x: F.log_softmax(x, 0)),
    "general_relu": ({"slope": 0.1, "upper": 2.0, "threshold": 0.0},
                     lambda x: torch.where(x > 0, torch.clamp(x, max=2.0), 0.1 * x)),
}


@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_activations_against_torch_and_differences(rng, name):
    params, theirs = TORCH_ACTIVATIONS[name]
    kernel = name.removesuffix("_tanh")
    forward, backward = getattr(activations, kernel), getattr(activations, kernel + "_backward")
    x = rng.standard_normal((4, 5)) * 3
    x[np.abs(x) < 1e-3] = 0.5  # keep finite differences away from the kinks at 0
    x[np.abs(np.abs(x) - 3) < 1e-3] = 1.0
    x[np.abs(x - 2) < 1e-3] = 1.0
    y = forward(x, **params)
    gy = rng.standard_normal(y.shape)
    tx = t(x)
    ty = theirs(tx)
    ty.backward(t(gy, False))
    # rtol 1e-7: some of torch's float64 kernels use float32 constants (hardsigmoid's 1/6)
    close(y, ty, "y", rtol=1e-7)
    close(backward(gy, x, y, **params), tx.grad, "dx", rtol=1e-7)
    check_by_differences(lambda x: forward(x, **params), [x], lambda gy: [backward(gy, x, forward(x, **params), **params)])


def test_softmax_cross_entropy_against_torch_and_differences(rng):
    logits, labels = rng.standard_normal((6, 5)) * 3, rng.integers(0, 5, 6)
    target = rng.random((6, 5))
    dloss = rng.standard_normal(6)
    tl = t(logits)
    F.cross_entropy(tl, torch.tensor(labels), reduction="none").backward(t(dloss, False))
    close(losses.sparse_softmax_cross_entropy(logits, labels),
          F.cross_entropy(t(logits, False), torch.tensor(labels), reduction="none"), "loss")
    close(losses.sparse_softmax_cross_entropy_backward(dloss, logits, labels), tl.grad, "dlogits")
    tl = t(logits)
    theirs = -(t(target, False) * F.log_softmax(tl, -1)).sum(-1)
    theirs.backward(t(dloss, False))
    close(losses.softmax_cross_entropy(logits, target), theirs, "loss (soft targets)")
    close(losses.softmax_cross_entropy_backward(dloss, logits, target), tl.grad, "dlogits (soft targets)")
    check_by_differences(lambda x: losses.sparse_softmax_cross_entropy(x, labels), [logits],
                         lambda g: [losses.sparse_softmax_cross_entropy_backward(g, logits, labels)])


def test_finite_differences_catch_a_wrong_backward(rng):
    """The checker itself: a deliberately wrong derivative (sigmoid' taken as y) fails."""
    x = rng.standard_normal((3, 3))
    with pytest.raises(AssertionError):
        check_by_differences(activations.sigmoid, [x], lambda gy: [gy * activations.sigmoid(x)])
