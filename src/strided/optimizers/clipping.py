"""Gradient checks and clipping, run by `Optimizer.apply` before the update (Keras semantics).

- clipnorm c:        g <- g * c / max(||g||, c)               (each gradient on its own)
- global_clipnorm c: g <- g * c / max(sqrt(sum_i ||g_i||^2), c) (all gradients together)
- clipvalue c:       g <- clip(g, -c, c)                      (elementwise)

A non-finite global norm makes every gradient NaN, as in Keras, so the problem is visible
(TerminateOnNaN stops training) instead of silently skipped.
"""

import math
import warnings

import numpy as np

from strided.autograd import Tensor


def l2_norm(array):
    """The L2 norm of an array as a Python float (no float64 copy of the array)."""
    flat = array.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)))


def clip_by_norm(gradient, clip_norm):
    """Rescale `gradient` so that its L2 norm is at most `clip_norm` (a new array if changed)."""
    norm = l2_norm(gradient)
    if norm <= clip_norm:
        return gradient
    return gradient * (clip_norm / norm)


def global_norm(gradients):
    """sqrt of the sum of squares of every element of every gradient."""
    return math.sqrt(sum(l2_norm(g) ** 2 for g in gradients))


def clip_by_global_norm(gradients, clip_norm):
    """Rescale all gradients by the same factor so their joint L2 norm is at most `clip_norm`."""
    norm = global_norm(gradients)
    if not math.isfinite(norm):
        return [np.full_like(g, np.nan) for g in gradients]
    if norm <= clip_norm:
        return list(gradients)
    scale = clip_norm / norm
    return [g * scale for g in gradients]


def _as_gradient_array(optimizer, gradient, variable):
    gradient = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
    data = variable.data
    if gradient.shape != data.shape:
        name = getattr(variable, "name", None) or "?"
        raise ValueError(
            f"{type(optimizer).__name__}: the gradient of variable '{name}' has shape "
            f"{gradient.shape} but the variable has shape {data.shape}."
        )
    if gradient.dtype != data.dtype:
        gradient = gradient.astype(data.dtype)
    return gradient


def prepare_gradients(optimizer, grads, variables):
    """Drop missing gradients, check shapes and dtypes, unscale and clip. Returns (grads, vars)."""
    kept_grads, kept_vars, missing = [], [], []
    for gradient, variable in zip(grads, variables):
        if gradient is None:
            missing.append(getattr(variable, "name", None) or "?")
            continue
        kept_grads.append(_as_gradient_array(optimizer, gradient, variable))
        kept_vars.append(variable)
    if not kept_grads:
        raise ValueError("No gradients provided for any variable.")
    if missing:
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. "
            "If using `model.compile()`, did you forget to provide a `loss` argument?",
            stacklevel=3,
        )
    if optimizer.loss_scale_factor:
        kept_grads = [g / optimizer.loss_scale_factor for g in kept_grads]
    if optimizer.clipnorm:
        kept_grads = [clip_by_norm(g, optimizer.clipnorm) for g in kept_grads]
    elif optimizer.global_clipnorm:
        kept_grads = clip_by_global_norm(kept_grads, optimizer.global_clipnorm)
    elif optimizer.clipvalue:
        c = optimizer.clipvalue
        kept_grads = [np.clip(g, -c, c) for g in kept_grads]
    return kept_grads, kept_vars
