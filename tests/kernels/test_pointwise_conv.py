"""1x1 convolutions as plain GEMMs (`kernels.fast.pointwise_conv`): the fast kernel set takes
this path for a 1x1 kernel without padding, and it matches the reference and PyTorch
(strides, bias, fused ReLU, only some gradients, a channels-first view as input)."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from strided.kernels import fast_set, reference_set
from strided.kernels.fast import pointwise_conv

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


def test_only_1x1_unpadded_ungrouped_kernels_take_the_gemm():
    assert pointwise_conv.is_pointwise((1, 1, 8, 4), ((0, 0), (0, 0)), 1)
    assert not pointwise_conv.is_pointwise((1, 1, 8, 4), ((1, 0), (0, 0)), 1)
    assert not pointwise_conv.is_pointwise((1, 1, 4, 4), ((0, 0), (0, 0)), 2)
    assert not pointwise_conv.is_pointwise((3, 1, 8, 4), ((0, 0), (0, 0)), 1)


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 12), st.integers(1, 7),
       st.integers(1, 3), st.integers(1, 3), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2**16))
def test_fast_set_matches_reference(n, h, w, cin, cout, sh, sw, with_bias, relu, need_dx, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, cin)).astype(dtype)
    kernel = rng.standard_normal((1, 1, cin, cout)).astype(dtype)
    bias = rng.standard_normal(cout).astype(dtype) if with_bias else None
    pads = ((0, 0), (0, 0))
    results = []
    for kernels in (fast_set, reference_set):
        y, saved = kernels.conv2d_forward(x, kernel, (sh, sw), pads, (1, 1), 1, bias, relu, True)
        gy = np.random.default_rng(seed + 1).standard_normal(y.shape).astype(dtype)
        grads = kernels.conv2d_backward(gy, saved, x.shape, kernel, (sh, sw), pads, (1, 1), 1,
                                        need_dx, True, with_bias, y if relu else None)
        results.append((y.copy(), *grads))
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for what, fast, reference in zip(("y", "dx", "dkernel", "dbias"), *results):
        if reference is None:
            assert fast is None, what
        else:
            assert fast.shape == reference.shape, what
            np.testing.assert_allclose(fast, reference, err_msg=what, **tolerance)


def test_strided_1x1_on_a_channels_first_view_matches_pytorch():
    rng = np.random.default_rng(5)
    x_nchw = rng.standard_normal((4, 24, 9, 8)).astype(np.float32)
    x = x_nchw.transpose(0, 2, 3, 1)  # not contiguous
    kernel = rng.standard_normal((1, 1, 24, 16)).astype(np.float32)
    bias = rng.standard_normal(16).astype(np.float32)
    y = pointwise_conv.pointwise_conv2d_forward(x, kernel, (2, 2), bias)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk, db = pointwise_conv.pointwise_conv2d_backward(gy, x, kernel, (2, 2), need_dbias=True)
    tx = torch.tensor(x_nchw, requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), requires_grad=True)
    tb = torch.tensor(bias, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tk, tb, stride=2)
    ty.backward(torch.from_numpy(np.ascontiguousarray(gy.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dk, tk.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-4, atol=1e-4)
