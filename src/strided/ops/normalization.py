"""Layer and group normalization (and the shared `Standardize` that batch norm uses too):
y = (x - mean) / sqrt(var + epsilon) * gamma + beta.

They differ only in which values share a mean and variance:
    batch:  each channel, over the batch and spatial axes   (x: N, H, W, C -> stats of shape C)
    layer:  each sample, over its feature axes              (stats of shape N)
    group:  each sample and group of C / groups channels    (stats of shape N, groups)
so one `Standardize` Function serves all three, on a reshaped view of x, with the classic
fused backward (M = number of values sharing a statistic, x^ = normalised input):

    dx = 1/sqrt(var + eps) * (dx^ - mean(dx^) - x^ * mean(dx^ * x^)),   dx^ = dy * gamma

The math lives in the kernels (`kernels.dispatch`: fast or reference): layer norm over x's
trailing axes runs as rows (R, F) (`layer_norm_*`), group norm as (N, S, C) or (N, C, S)
(`group_norm_*`), and any other view (layer norm over other axes, batch norm's general path)
as the textbook `standardize`. Batch normalization's ops (with given or batch statistics) are
in `ops/batch_norm.py`.

Variance: the statistics normalise with the *biased* variance mean((x - mean)^2), as Keras,
TensorFlow and PyTorch do. PyTorch's BatchNorm then updates its running variance with the
unbiased one (times M / (M - 1)); Keras updates its moving variance with the biased one.
"""

import math

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor, is_grad_enabled
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor, normalize_axis


class Standardize(Function):
    """Normalise a view of x over `axes` and apply gamma/beta broadcast as `param_shape`.

    Args (keyword):
        view_shape: x is reshaped to this (e.g. (N, H, W, groups, C // groups)).
        axes: axes of the view that share one mean/variance.
        param_shape: broadcast shape of gamma and beta in the view.
        epsilon: added to the variance.
        scale, center: whether gamma / beta are passed (in that order) after x.
        mean, var: precomputed statistics in keepdims form (batch norm), or None.
        layout: which kernel runs it: "rows" (layer norm over x's trailing axes, as rows
            (R, F)), "groups_last" / "groups_first" (group norm of channels-last or
            channels-first x, `groups` groups), or None (any view: `standardize`).
    """

    def __init__(self, view_shape, axes, param_shape, epsilon, scale, center, mean=None, var=None, layout=None,
                 groups=None):
        self.view_shape, self.axes, self.param_shape = view_shape, axes, param_shape
        self.epsilon, self.scale, self.center = epsilon, scale, center
        self.mean, self.var, self.layout, self.groups = mean, var, layout, groups

    def forward(self, x, *params):
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        x = np.ascontiguousarray(x)
        self.x_shape, self.param_shapes = x.shape, [p.shape for p in params]
        gamma = params[0].reshape(-1).astype(x.dtype, copy=False) if self.scale else None
        beta = params[-1].reshape(-1).astype(x.dtype, copy=False) if self.center else None
        training = is_grad_enabled() and any(self.needs_input_grad)
        if self.layout == "rows":
            self.features = math.prod(x.shape[x.ndim - len(self.axes):])
            self.samples = x.shape[0] if len(self.axes) < x.ndim else None
            y, self.saved = self.kernels.layer_norm_forward(
                x.reshape(-1, self.features), gamma, beta, self.epsilon, self.samples, training)
            return y.reshape(x.shape)
        if self.layout is not None:
            y, self.saved = self.kernels.group_norm_forward(
                self._three_axes(x), self.groups, gamma, beta, self.epsilon, self.layout == "groups_first",
                training)
            return y.reshape(x.shape)
        xv = x.reshape(self.view_shape)
        self.xhat, self.inv_std = self.kernels.standardize(xv, self.axes, self.epsilon, self.mean, self.var)
        self.gamma = None if gamma is None else gamma.reshape(self.param_shape)
        y = self.xhat if gamma is None else self.xhat * self.gamma
        if beta is not None:
            y = y + beta.reshape(self.param_shape)
        return y.reshape(x.shape)

    def _three_axes(self, a):
        """x (or dy) as (N, S, C) channels-last or (N, C, S) channels-first."""
        if self.layout == "groups_first":
            return a.reshape(a.shape[0], a.shape[1], -1)
        return a.reshape(a.shape[0], -1, a.shape[-1])

    def backward(self, gy):
        gy = np.ascontiguousarray(gy)
        needed = self.needs_input_grad
        need_gamma = self.scale and needed[1]
        need_beta = self.center and needed[-1]
        gamma = self.inputs[1].data.reshape(-1).astype(gy.dtype, copy=False) if self.scale else None
        if self.layout == "rows":
            dx, dgamma, dbeta = self.kernels.layer_norm_backward(
                gy.reshape(-1, self.features), self.saved, gamma, self.samples, needed[0], need_gamma, need_beta)
        elif self.layout is not None:
            dx, dgamma, dbeta = self.kernels.group_norm_backward(
                self._three_axes(gy), self.saved, self.groups, gamma, self.layout == "groups_first", needed[0],
                need_gamma, need_beta)
        else:
            param_axes = tuple(i for i, n in enumerate(self.param_shape) if n == 1)
            dx, dgamma, dbeta = self.kernels.standardize_backward(
                gy.reshape(self.view_shape), self.xhat, self.inv_std, self.gamma, self.axes, param_axes)
        grads = [None if dx is None or not needed[0] else dx.reshape(gy.shape)]
        if self.scale:
            grads.append(dgamma.reshape(self.param_shapes[0]) if need_gamma else None)
        if self.center:
            grads.append(dbeta.reshape(self.param_shapes[-1]) if need_beta else None)
        return tuple(grads)


# ---------------------------------------------------------------------- argument checks
def _float_input(name, x, min_ndim=1):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.data, dtype=_config.floatx())
    if x.ndim < min_ndim:
        raise ValueError(
            f"{name}: expected an input with at least {min_ndim} dimensions, received shape "
            f"{x.shape}." + (" Add a batch axis with x[None]." if x.ndim == min_ndim - 1 else "")
        )
    return x


def _param(name, arg, value, expected, x):
    """`value` as a Tensor of shape `expected` (arrays take x's dtype), or None."""
    if value is None:
        return None
    value = value if isinstance(value, Tensor) else Tensor(value, dtype=x.dtype)
    if value.shape != expected:
        raise ValueError(
            f"{name}: `{arg}` must have shape {expected} to match the input of shape {x.shape}. "
            f"Received: {arg}.shape={value.shape}"
        )
    return value


def _standardize(x, params, **options):
    present = [p for p in params if p is not None]
    return Standardize.apply(
        x, *present, scale=params[0] is not None, center=params[1] is not None, **options
    )


# ---------------------------------------------------------------------------- public API
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    """Normalise each sample over `axis` (its features), then scale by gamma and shift by beta.

    Args:
        x: input, e.g. (N, features) or (N, H, W, C).
        gamma, beta: optional, of shape tuple(x.shape[a] for a in axis).
        axis: int or tuple of the axes normalised together (default the last).
        epsilon: added to the variance (Keras 1e-3, PyTorch 1e-5).

    >>> layer_normalization(np.array([[1.0, 3.0]]))   # Tensor([[-0.9995, 0.9995]])
    """
    name = "layer_normalization"
    x = _float_input(name, x)
    axes = tuple(sorted(normalize_axis(name, axis, x.ndim)))
    expected = tuple(x.shape[a] for a in axes)
    params = [_param(name, "gamma", gamma, expected, x), _param(name, "beta", beta, expected, x)]
    param_shape = tuple(n if i in axes else 1 for i, n in enumerate(x.shape))
    trailing = axes == tuple(range(x.ndim - len(axes), x.ndim))  # rows of features: the fast kernel
    return _standardize(
        x, params, view_shape=x.shape, axes=axes, param_shape=param_shape, epsilon=float(epsilon),
        layout="rows" if trailing else None,
    )


def group_normalization(x, groups, gamma=None, beta=None, epsilon=1e-3, data_format=None):
    """Normalise each sample over groups of channels (and all spatial positions).

    The C channels are split into `groups` consecutive groups of C / groups; groups=1 is
    layer normalization over (H, W, C), groups=C is instance normalization.

    Args:
        x: (N, ..., C) channels-last or (N, C, ...) channels-first.
        groups: number of groups; must divide C.
        gamma, beta: optional per-channel scale and offset of shape (C,).
        epsilon: added to the variance.
        data_format: "channels_last" (default) or "channels_first".

    >>> group_normalization(np.random.randn(2, 4, 4, 6), groups=3).shape   # (2, 4, 4, 6)
    """
    name = "group_normalization"
    data_format = _config.standardize_data_format(data_format)
    x = _float_input(name, x, min_ndim=2)
    channel_axis = x.ndim - 1 if data_format == "channels_last" else 1
    channels = x.shape[channel_axis]
    if not isinstance(groups, (int, np.integer)) or groups < 1 or channels % groups:
        raise ValueError(
            f"{name}: `groups` must be a positive int dividing the number of channels "
            f"({channels}, axis {channel_axis} of input shape {x.shape}). "
            f"Received: groups={groups!r}"
        )
    params = [
        _param(name, "gamma", gamma, (channels,), x),
        _param(name, "beta", beta, (channels,), x),
    ]
    split = (groups, channels // groups)
    view_shape = x.shape[:channel_axis] + split + x.shape[channel_axis + 1 :]
    group_axis = channel_axis
    axes = tuple(i for i in range(1, len(view_shape)) if i != group_axis)
    param_shape = tuple(
        n if i in (group_axis, group_axis + 1) else 1 for i, n in enumerate(view_shape)
    )
    return _standardize(
        x, params, view_shape=view_shape, axes=axes, param_shape=param_shape, epsilon=float(epsilon),
        layout="groups_last" if data_format == "channels_last" else "groups_first", groups=int(groups),
    )


__all__ = ["group_normalization", "layer_normalization"]
