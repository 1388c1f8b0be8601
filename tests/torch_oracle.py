"""Compare a strided op with its PyTorch CPU twin: same inputs, values and gradients.

In the spirit of tinygrad's `helper_test_op`: run both on the same float64 arrays, push the
same random upstream gradient through both, and compare every input's gradient.
"""

import numpy as np
import torch

import strided
from strided.autograd import Tensor

torch.set_num_threads(1)


def compare_with_torch(strided_fn, torch_fn, arrays, atol=1e-6, rtol=1e-5, grad=True, seed=0):
    """Assert strided_fn(*Tensors) == torch_fn(*torch tensors), forward and backward.

    `arrays` are NumPy arrays (converted to float64); integer arrays (labels) are passed
    through without gradients. Returns (strided output, torch output) as arrays.
    """
    arrays = [np.asarray(a) for a in arrays]
    is_float = [a.dtype.kind == "f" for a in arrays]
    s_inputs = [
        Tensor(a.astype(np.float64), requires_grad=grad, dtype=np.float64) if f else Tensor(a)
        for a, f in zip(arrays, is_float)
    ]
    t_inputs = [
        torch.tensor(a.astype(np.float64), requires_grad=grad) if f else torch.tensor(a)
        for a, f in zip(arrays, is_float)
    ]
    s_out = strided_fn(*s_inputs)
    t_out = torch_fn(*t_inputs)
    t_value = t_out.detach().numpy()
    assert s_out.shape == tuple(t_value.shape), f"shape {s_out.shape} != torch {tuple(t_value.shape)}"
    np.testing.assert_allclose(s_out.data, t_value, atol=atol, rtol=rtol, err_msg="forward")
    if grad:
        rng = np.random.default_rng(seed)
        upstream = rng.standard_normal(t_value.shape)
        s_out.backward(upstream)
        t_out.backward(torch.tensor(upstream))
        for i, (s, t, f) in enumerate(zip(s_inputs, t_inputs, is_float)):
            if not f:
                continue
            t_grad = t.grad.numpy() if t.grad is not None else np.zeros(s.shape)
            s_grad = s.grad if s.grad is not None else np.zeros(s.shape)
            np.testing.assert_allclose(
                s_grad, t_grad, atol=atol * 10, rtol=rtol * 10, err_msg=f"gradient of input {i}"
            )
    return s_out.data, t_value


def to_nchw(x):
    """(N, H, W, C) -> (N, C, H, W) for handing channels-last arrays to torch."""
    return x.permute(0, 3, 1, 2) if isinstance(x, torch.Tensor) else np.transpose(x, (0, 3, 1, 2))


def to_nhwc(x):
    return x.permute(0, 2, 3, 1) if isinstance(x, torch.Tensor) else np.transpose(x, (0, 2, 3, 1))


__all__ = ["compare_with_torch", "to_nchw", "to_nhwc", "strided"]
