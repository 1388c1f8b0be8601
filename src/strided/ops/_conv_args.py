"""Argument checking shared by the convolution ops: ranks, channels, strides, padding.

Validation happens once, here at the op's entry, in the user's words (expected vs received,
the full shapes, the likely fix); the kernels below trust their arguments.
"""

import numpy as np

from strided import _config
from strided._utils import normalize_tuple
from strided.kernels.fast.im2col import resolve_padding

AXES = {3: "(batch, length, channels)", 4: "(batch, height, width, channels)"}
AXES_FIRST = {3: "(batch, channels, length)", 4: "(batch, channels, height, width)"}


def check_input(op, x, data_format):
    data_format = _config.standardize_data_format(data_format)
    if x.ndim not in (3, 4):
        layout = AXES if data_format == "channels_last" else AXES_FIRST
        hint = " Add a batch axis with x[None]." if x.ndim in (2, 3) else ""
        raise ValueError(
            f"{op}: expected a 3-D input {layout[3]} or a 4-D input {layout[4]}, "
            f"received shape {x.shape}.{hint}"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a float input, received dtype {x.dtype}. Cast with x.astype('float32').")
    return data_format


def check_kernel(op, x, kernel, what="kernel"):
    if kernel.ndim == x.ndim + 1:
        raise ValueError(
            f"{op}: a {kernel.ndim}-D {what} {kernel.shape} needs a {kernel.ndim}-D input "
            f"{AXES[kernel.ndim] if kernel.ndim in AXES else ''}, received shape {x.shape}. "
            f"Add a batch axis with x[None]."
        )
    if kernel.ndim != x.ndim:
        raise ValueError(
            f"{op}: a {x.ndim - 2}-D convolution needs a {x.ndim}-D {what} "
            f"({'(k, in, out)' if x.ndim == 3 else '(kh, kw, in, out)'}), received {what} shape {kernel.shape}"
        )
    if kernel.dtype != x.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} and {what} dtype {kernel.dtype} differ; cast one of them.")


def channels_last_shape(x_shape, data_format):
    if data_format == "channels_first":
        return (x_shape[0], *x_shape[2:], x_shape[1])
    return tuple(x_shape)


def spatial_args(op, spatial, kernel_spatial, strides, padding, dilation_rate):
    """Normalise strides/dilation and resolve padding to ((before, after), ...) per axis."""
    rank = len(spatial)
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"{op}: padding must be 'valid', 'same', an int or a tuple; received padding={padding!r}"
            )
        padding = padding.lower()
    elif isinstance(padding, (int, np.integer)):
        padding = normalize_tuple(padding, 1, "padding", allow_zero=True)[0]
    else:
        padding = _explicit_padding(op, padding, rank)
    pads = resolve_padding(padding, spatial, kernel_spatial, strides, dilation)
    for axis, (size, k, d, (before, after)) in enumerate(zip(spatial, kernel_spatial, dilation, pads)):
        effective = d * (k - 1) + 1
        if size + before + after < effective:
            raise ValueError(
                f"{op}: the kernel ({'x'.join(map(str, kernel_spatial))}, dilation {dilation}) is larger "
                f"than the padded input ({'x'.join(str(s + sum(p)) for s, p in zip(spatial, pads))}) "
                f"on spatial axis {axis}. Use padding='same' or a smaller kernel."
            )
    return strides, pads, dilation


def _explicit_padding(op, padding, rank):
    try:
        items = tuple(padding)
    except TypeError:
        raise TypeError(f"{op}: padding must be 'valid', 'same', an int or a tuple; received {padding!r}") from None
    if len(items) != rank:
        raise ValueError(f"{op}: padding needs {rank} entries (one per spatial axis), received {padding!r}")
    pairs = []
    for p in items:
        pair = (p, p) if isinstance(p, (int, np.integer)) else tuple(p)
        if len(pair) != 2 or any(int(v) < 0 for v in pair):
            raise ValueError(f"{op}: padding entries must be non-negative ints or (before, after) pairs; received {padding!r}")
        pairs.append((int(pair[0]), int(pair[1])))
    return tuple(pairs)


def to_channels_last(array, data_format):
    if data_format == "channels_first":
        return np.moveaxis(array, 1, -1)
    return array


def to_data_format(array, data_format):
    if data_format == "channels_first":
        return np.ascontiguousarray(np.moveaxis(array, -1, 1))
    return array
