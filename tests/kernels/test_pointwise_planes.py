"""1x1 convolutions on channels-first images (`kernels.fast.pointwise_planes`, one GEMM per
image, no transposes): output and gradients as PyTorch's conv2d, with bias and fused ReLU,
through `ops.conv_bias_activation` and the SeparableConv2D layer; the reference set equal;
the same bits on any thread count."""

import numpy as np
import pytest
import torch

import strided
from strided import ops
from strided.autograd import Tensor
from strided.kernels import fast_set, reference_set

FLOAT64 = {"rtol": 1e-10, "atol": 1e-10}


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("kernels", ["fast", "reference"])
def test_op_matches_pytorch(activation, kernels):
    """conv_bias_activation on (N, C, H, W) with a 1x1 kernel: y, dX, dK and db, float64."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 7, 5, 9))
    kernel = rng.standard_normal((1, 1, 7, 4))
    bias = rng.standard_normal(4)
    tx, tk, tb = (Tensor(a, requires_grad=True) for a in (x, kernel, bias))
    with strided.kernels_used(kernels):
        y = ops.conv_bias_activation(tx, tk, tb, activation, data_format="channels_first")
        gy = rng.standard_normal(y.shape)
        y.backward(gy)
    torch_x, torch_k, torch_b = (torch.tensor(a, requires_grad=True)
                                 for a in (x, np.ascontiguousarray(kernel[0, 0].T[:, :, None, None]), bias))
    torch_y = torch.nn.functional.conv2d(torch_x, torch_k, torch_b)
    if activation == "relu":
        torch_y = torch.relu(torch_y)
    torch_y.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(np.asarray(y.data), torch_y.detach().numpy(), **FLOAT64)
    np.testing.assert_allclose(tx.grad, torch_x.grad.numpy(), **FLOAT64)
    np.testing.assert_allclose(tk.grad[0, 0].T, torch_k.grad.numpy()[:, :, 0, 0], **FLOAT64)
    np.testing.assert_allclose(tb.grad, torch_b.grad.numpy(), **FLOAT64)


def test_fast_equals_reference_kernels():
    """The fast kernels against the reference set's (transposed channels-last) ones."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 6, 4, 3))
    kernel = rng.standard_normal((1, 1, 6, 8))
    bias = rng.standard_normal(8)
    y = fast_set.pointwise_planes_forward(x, kernel, bias, relu=True)
    np.testing.assert_allclose(y, reference_set.pointwise_planes_forward(x, kernel, bias, relu=True), **FLOAT64)
    gy = rng.standard_normal(y.shape)
    fast = fast_set.pointwise_planes_backward(gy, x, kernel, True, True, True, relu_output=y)
    reference = reference_set.pointwise_planes_backward(gy, x, kernel, True, True, True, relu_output=y)
    for got, expected in zip(fast, reference):
        np.testing.assert_allclose(got, expected, **FLOAT64)
    assert fast_set.pointwise_planes_backward(gy, x, kernel, False, True, False)[0::2] == (None, None)


def test_same_bits_on_any_thread_count():
    """dK and db are summed per chunk of images in a fixed order."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 32, 24, 24)).astype(np.float32)  # several chunks of images
    kernel = rng.standard_normal((1, 1, 32, 16)).astype(np.float32)
    gy = rng.standard_normal((40, 16, 24, 24)).astype(np.float32)
    previous = strided.get_num_threads()
    results = []
    try:
        for threads in (1, 4):
            strided.set_num_threads(threads)
            results.append(fast_set.pointwise_planes_backward(gy, x, kernel, True, True, True))
    finally:
        strided.set_num_threads(previous)
    for one, four in zip(*results):
        np.testing.assert_array_equal(one, four)
