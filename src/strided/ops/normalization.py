"""Layer and group normalization (and the shared `Standardize` that batch norm uses too):
y = (x - mean) / sqrt(var + epsilon) * gamma + beta.

They differ only in which values share a mean and variance:
    batch:  each channel, over the batch and spatial axes   (x: N, H, W, C -> stats of shape C)
    layer:  each sample, over its feature axes              (stats of shape N)
    group:  each sample and group of C / groups channels    (stats of shape N, groups)
so one `Standardize` Function serves all three, on a reshaped view of x, with the classic
fused backward (M = number of values sharing a statistic, x^ = normalised input):

    dx = 1/sqrt(var + eps) * (dx^ - mean(dx^) - x^ * mean(dx^ * x^)),   dx^ = dy * gamma

Batch normalization's ops (with given or batch statistics) are in `ops/batch_norm.py`.

Variance: the statistics normalise with the *biased* variance mean((x - mean)^2), as Keras,
TensorFlow and PyTorch do. PyTorch's BatchNorm then updates its running variance with the
unbiased one (times M / (M - 1)); Keras updates its moving variance with the biased one.
"""

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
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
    """

    def __init__(self, view_shape, axes, param_shape, epsilon, scale, center, mean=None, var=None):
        self.view_shape, self.axes, self.param_shape = view_shape, axes, param_shape
        self.epsilon, self.scale, self.center = epsilon, scale, center
        self.mean, self.var = mean, var

    def forward(self, x, *params):
        xv = x.reshape(self.view_shape)
        mean = np.mean(xv, axis=self.axes, keepdims=True) if self.mean is None else self.mean
        centered = xv - mean
        var = (
            np.mean(centered * centered, axis=self.axes, keepdims=True)
            if self.var is None
            else self.var
        )
        self.inv_std = (1 / np.sqrt(var + self.epsilon)).astype(x.dtype, copy=False)
        self.xhat = centered * self.inv_std
        y = self.xhat
        self.param_shapes = [p.shape for p in params]
        if self.scale:
            self.gamma = params[0].reshape(self.param_shape).astype(x.dtype, copy=False)
            y = y * self.gamma
        if self.center:
            y = y + params[-1].reshape(self.param_shape).astype(x.dtype, copy=False)
        return y.reshape(x.shape)

    def backward(self, gy):
        g = gy.reshape(self.view_shape)
        param_axes = tuple(i for i, n in enumerate(self.param_shape) if n == 1)
        grads = []
        if self.needs_input_grad[0]:
            dxhat = g * self.gamma if self.scale else g
            dx = self.inv_std * (
                dxhat
                - np.mean(dxhat, axis=self.axes, keepdims=True)
                - self.xhat * np.mean(dxhat * self.xhat, axis=self.axes, keepdims=True)
            )
            grads.append(dx.reshape(gy.shape))
        else:
            grads.append(None)
        if self.scale:
            dgamma = np.sum(g * self.xhat, axis=param_axes) if self.needs_input_grad[1] else None
            grads.append(None if dgamma is None else dgamma.reshape(self.param_shapes[0]))
        if self.center:
            dbeta = np.sum(g, axis=param_axes) if self.needs_input_grad[-1] else None
            grads.append(None if dbeta is None else dbeta.reshape(self.param_shapes[-1]))
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
    return _standardize(
        x, params, view_shape=x.shape, axes=axes, param_shape=param_shape, epsilon=float(epsilon)
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
        x, params, view_shape=view_shape, axes=axes, param_shape=param_shape, epsilon=float(epsilon)
    )


__all__ = ["group_normalization", "layer_normalization"]
