"""clip_grad_norm_ and clip_grad_value_: limit gradients in place before `optimizer.step()`."""

import math

import numpy as np

from strided.torch._tensor import Tensor, wrap_array


def _grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p._node.grad for p in parameters if p._node.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their total norm is at most max_norm; returns the total norm.

    As PyTorch: scale = max_norm / (total_norm + 1e-6), applied only when it is below 1.
    """
    grads = _grads(parameters)
    if not grads:
        return wrap_array(np.zeros((), np.float32))
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           f"so it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")
    scale = float(max_norm) / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return wrap_array(np.asarray(total, grads[0].dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
