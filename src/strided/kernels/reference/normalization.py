"""Layer and group normalization: standardise values that share a mean and variance.

    mean = sum x / M          var = sum (x - mean)^2 / M        (the biased variance)
    xhat = (x - mean) / sqrt(var + eps)          y = gamma * xhat + beta

with M the number of values sharing one mean and variance:

    layer norm:  each row of x2 (R, F) -- a sample's (or a position's) F features;
                 gamma and beta have one value per feature (F,)
    group norm:  each sample and group of C / groups channels, over all its positions;
                 x3 is (N, S, C) channels-last or (N, C, S) channels-first (S positions),
                 gamma and beta have one value per channel (C,)

Backward, for the upstream gradient dy (dxhat = dy * gamma; means over the same M values):

    dx = 1 / sqrt(var + eps) * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    dgamma = sum dy * xhat        dbeta = sum dy      (over every axis but the parameter's)

(dx keeps the mean and the variance on the tape: both depend on every value they share.)
`standardize` is the form on any view and any axes, which the ops use where no layout below
fits (and batch norm with given statistics); layer and group norm are it on their views.
"""

import numpy as np


def standardize(xv, axes, epsilon, mean=None, var=None):
    """(xhat, inv_std) for the view xv normalised over `axes` (statistics kept as keepdims
    arrays; `mean` and `var` given instead of computed when not None)."""
    if mean is None:
        mean = xv.mean(axis=axes, keepdims=True)
    centered = xv - mean
    if var is None:
        var = (centered * centered).mean(axis=axes, keepdims=True)
    inv_std = (1 / np.sqrt(var + epsilon)).astype(xv.dtype, copy=False)
    return centered * inv_std, inv_std


def standardize_backward(gy, xhat, inv_std, gamma, axes, param_axes):
    """(dx, dgamma, dbeta) for the upstream gradient gy of y = xhat * gamma + beta on a view,
    the mean and variance being those of x over `axes` (given or not: they depend on x).

    gamma: broadcastable to the view, or None (1). param_axes: the axes gamma and beta are
    summed over."""
    dxhat = gy if gamma is None else gy * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                    - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))
    return dx, (gy * xhat).sum(axis=param_axes), gy.sum(axis=param_axes)


def _ones_if_none(value, size, dtype):
    return np.ones(size, dtype) if value is None else value


# ------------------------------------------------------------------------------ layer norm
def layer_norm(x2, gamma, beta, epsilon):
    """y (R, F): each row of x2 standardised, times gamma (F,), plus beta (F,) (None: 1, 0)."""
    xhat, _ = standardize(x2, (1,), epsilon)
    y = xhat * _ones_if_none(gamma, x2.shape[1], x2.dtype)
    return y if beta is None else y + beta


def layer_norm_backward(gy2, x2, gamma, epsilon):
    """(dx, dgamma, dbeta) of `layer_norm` for the upstream gradient gy2 (R, F)."""
    xhat, inv_std = standardize(x2, (1,), epsilon)
    return standardize_backward(gy2, xhat, inv_std, gamma, (1,), (0,))


# ------------------------------------------------------------------------------ group norm
def _group_view(x3, groups, channels_first):
    """x3 viewed with the channels split into groups, and the axes one mean covers:
    (N, S, G, C/G) over (1, 3), or (N, G, C/G, S) over (2, 3)."""
    n, a, b = x3.shape
    if channels_first:
        return x3.reshape(n, groups, a // groups, b), (2, 3)
    return x3.reshape(n, a, groups, b // groups), (1, 3)


def _per_channel(vector, x3, groups, channels_first):
    """A (C,) vector shaped to broadcast against `_group_view`."""
    channels = x3.shape[1] if channels_first else x3.shape[2]
    if channels_first:
        return vector.reshape(1, groups, channels // groups, 1)
    return vector.reshape(1, 1, groups, channels // groups)


def group_norm(x3, groups, gamma, beta, epsilon, channels_first=False):
    """y like x3 (N, S, C) or (N, C, S): each sample's groups of channels standardised, times
    gamma (C,) plus beta (C,) per channel (None: 1, 0)."""
    view, axes = _group_view(x3, groups, channels_first)
    y, _ = standardize(view, axes, epsilon)
    if gamma is not None:
        y = y * _per_channel(gamma, x3, groups, channels_first)
    if beta is not None:
        y = y + _per_channel(beta, x3, groups, channels_first)
    return y.reshape(x3.shape)


def group_norm_backward(gy3, x3, groups, gamma, epsilon, channels_first=False):
    """(dx, dgamma, dbeta) of `group_norm` for the upstream gradient gy3 (x3's shape)."""
    view, axes = _group_view(x3, groups, channels_first)
    xhat, inv_std = standardize(view, axes, epsilon)
    g = gy3.reshape(view.shape)
    gamma_view = None if gamma is None else _per_channel(gamma, x3, groups, channels_first)
    param_axes = (0, 3) if channels_first else (0, 1)
    dx, dgamma, dbeta = standardize_backward(g, xhat, inv_std, gamma_view, axes, param_axes)
    return dx.reshape(x3.shape), dgamma.reshape(-1), dbeta.reshape(-1)
