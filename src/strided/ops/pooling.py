"""Pooling ops with `keras.ops` names: max_pool, average_pool, lp_pool, global and adaptive pools.

A rank-3 input (N, L, C) is pooled in 1-D, a rank-4 input (N, H, W, C) in 2-D, as in keras.ops;
data_format="channels_first" ((N, C, L) / (N, C, H, W)) gives the same numbers. `strides`
defaults to `pool_size`. Output size per spatial axis (the lessons' formula):

    "valid":             H' = floor((H - k) / s) + 1
    "same":              H' = ceil(H / s)  (TF/Keras padding; the extra pixel goes after)
    explicit p (torch):  H' = floor((H + 2p - k) / s) + 1,  p <= k // 2 as in torch.nn.MaxPool2d

The NumPy work (argmax, window sums) lives in the kernels: `strided.kernels.reference.pooling`
(the textbook form) and `strided.kernels.fast.pool`, chosen by `strided.kernels.dispatch`.
"""

import numpy as np

from strided._utils import normalize_tuple
from strided.autograd import Function, is_grad_enabled
from strided.kernels.dispatch import kernel_set
from strided.kernels.fast.im2col import resolve_padding
from strided.kernels.fast.pool import window_counts
from strided.ops._base import as_tensor
from strided.ops._conv_args import channels_last_shape, check_input


def _to_nhwc(array, data_format, one_d):
    """Channels-last and 2-D: (N, C, L) -> (N, 1, L, C), (N, C, H, W) -> (N, H, W, C) (views)."""
    if data_format == "channels_first":
        array = np.moveaxis(array, 1, -1)
    return array[:, None] if one_d else array


def _from_nhwc(array, data_format, one_d):
    if one_d:
        array = array[:, 0]
    if data_format == "channels_first":
        array = np.ascontiguousarray(np.moveaxis(array, -1, 1))
    return array


class _Pool(Function):
    """Shared layout handling: every pooling Function computes on (N, H, W, C) arrays."""

    def __init__(self, data_format, one_d, pool_size=None, strides=None, pads=None):
        self.data_format, self.one_d = data_format, one_d
        self.pool_size, self.strides, self.pads = pool_size, strides, pads
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes

    def nhwc(self, array):
        return _to_nhwc(array, self.data_format, self.one_d)

    def back(self, array):
        return _from_nhwc(array, self.data_format, self.one_d)

    def window_args(self):
        return self.pool_size, self.strides, self.pads


class MaxPool(_Pool):
    """Max of each window; backward uses the saved argmax (ties: the first maximum)."""

    def forward(self, x):
        x = self.nhwc(x)
        self.x_shape = x.shape
        keep_argmax = is_grad_enabled() and any(self.needs_input_grad)  # inference skips it
        y, self.argmax = self.kernels.max_pool2d_forward(
            x, *self.window_args(), return_argmax=keep_argmax
        )
        return self.back(y)

    def backward(self, gy):
        gy = self.nhwc(gy)
        return self.back(self.kernels.max_pool2d_backward(gy, self.argmax, self.x_shape, *self.window_args()))


class AveragePool(_Pool):
    """Window sum / divisor, the divisor being k_h*k_w or the count of non-padded elements."""

    def __init__(self, count_include_pad, **args):
        super().__init__(**args)
        self.count_include_pad = count_include_pad

    def forward(self, x):
        x = self.nhwc(x)
        self.x_shape = x.shape
        total = self.kernels.sum_pool2d_forward(x, *self.window_args())
        if self.count_include_pad or not any(map(any, self.pads)):
            self.divisor = x.dtype.type(self.pool_size[0] * self.pool_size[1])
        else:
            counts = window_counts(x.shape[1:3], *self.window_args(), x.dtype)
            self.divisor = counts[None, :, :, None]
        return self.back(total / self.divisor)

    def backward(self, gy):
        return self.back(
            self.kernels.sum_pool2d_backward(
                self.nhwc(gy) / self.divisor, self.x_shape, *self.window_args()
            )
        )


class LpPool(_Pool):
    """y = (sum |x|^p)^(1/p);  dy/dx = y^(1-p) |x|^(p-1) sign(x), taken as 0 where y == 0."""

    def __init__(self, p, **args):
        super().__init__(**args)
        self.p = p

    def forward(self, x):
        x = self.nhwc(x)
        p = self.p
        powered = x * x if p == 2 else np.abs(x) ** p
        total = self.kernels.sum_pool2d_forward(powered, *self.window_args())
        y = np.sqrt(total) if p == 2 else total ** (1.0 / p)
        self.x, self.y, self.total = x, y, total
        return self.back(y)

    def backward(self, gy):
        # d/dS S^(1/p) * d/dx |x|^p = (1/p) S^(1/p - 1) * p |x|^(p-1) sign(x) = (y / S) |x|^(p-1) sign(x)
        scale = np.divide(self.y, self.total, out=np.zeros_like(self.y), where=self.total > 0)
        spread = self.kernels.sum_pool2d_backward(
            self.nhwc(gy) * scale, self.x.shape, *self.window_args()
        )
        x, p = self.x, self.p
        if p == 2:
            local = x
        elif p == 1:
            local = np.sign(x)
        else:  # |x|^(p-1) is infinite at 0 when p < 1; sign(0) = 0 makes that term 0
            with np.errstate(divide="ignore", invalid="ignore"):
                local = np.where(x == 0, 0, np.sign(x) * np.abs(x) ** (p - 1)).astype(x.dtype)
        return self.back(spread * local)


def _check_tuple(op, value, n, name, allow_zero=False):
    try:
        return normalize_tuple(value, n, name, allow_zero=allow_zero)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{op}: {error}") from None


def _explicit_pads(op, padding, pool_size):
    """int | (p_h, p_w) | ((top, bottom), (left, right)) -> pairs, each side <= k // 2 (as torch)."""
    rank = len(pool_size)
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        items = (int(padding),) * rank
    elif isinstance(padding, (tuple, list)) and len(padding) == rank:
        items = padding
    else:
        raise ValueError(
            f"{op}: padding must be 'valid', 'same', an int, or a tuple of {rank} ints or (before, "
            f"after) pairs. Received: padding={padding!r}"
        )
    pads = []
    for item, k in zip(items, pool_size):
        pair = (item, item) if isinstance(item, (int, np.integer)) else tuple(item)
        if len(pair) != 2 or not all(
            isinstance(v, (int, np.integer)) and 0 <= v <= k // 2 for v in pair
        ):
            raise ValueError(
                f"{op}: explicit padding must be non-negative and at most half the pool size on each "
                f"side (pool_size={tuple(pool_size)}). Received: padding={padding!r}"
            )
        pads.append((int(pair[0]), int(pair[1])))
    return tuple(pads)


def _pool_args(op, x, pool_size, strides, padding, data_format):
    """Validate once; return (data_format, one_d, pool, strides, pads, explicit) in 2-D form."""
    data_format = check_input(op, x, data_format)
    rank = x.ndim - 2
    spatial = channels_last_shape(x.shape, data_format)[1:-1]
    pool = _check_tuple(op, pool_size, rank, "pool_size")
    strides = pool if strides is None else _check_tuple(op, strides, rank, "strides")
    explicit = not isinstance(padding, str)
    if explicit:
        pads = _explicit_pads(op, padding, pool)
    elif padding.lower() in ("valid", "same"):
        pads = resolve_padding(padding.lower(), spatial, pool, strides, (1,) * rank)
    else:
        raise ValueError(
            f"{op}: padding must be 'valid' or 'same' (or explicit ints). Received: padding={padding!r}"
        )
    padded = tuple(size + sum(pair) for size, pair in zip(spatial, pads))
    if any(k > size for k, size in zip(pool, padded)):
        raise ValueError(
            f"{op}: pool_size {pool} is larger than the input's spatial size {spatial} "
            f"(padded: {padded}); input shape {x.shape}. Use a smaller pool_size or padding='same'."
        )
    if rank == 1:
        pool, strides, pads = (1, *pool), (1, *strides), ((0, 0), *pads)
    args = {
        "data_format": data_format,
        "one_d": rank == 1,
        "pool_size": pool,
        "strides": strides,
        "pads": pads,
    }
    return args, explicit


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling (`keras.ops.max_pool`): the largest value of each window.

    Args:
        inputs: (N, L, C) for 1-D or (N, H, W, C) for 2-D; channels first with data_format.
        pool_size, strides: int or tuple (strides default to pool_size).
        padding: "valid", "same" (Keras), or explicit ints/pairs as torch's MaxPool2d(padding=1);
            padded cells are -inf, so they never win.

    Example:
        >>> x = np.array([[1, 3, 2, 1], [4, 6, 5, 2], [7, 8, 9, 3], [4, 5, 2, 1.0]])
        >>> max_pool(x[None, :, :, None], 2).numpy()[0, :, :, 0]
        array([[6., 5.],
               [8., 9.]], dtype=float32)
    """
    x = as_tensor(inputs)
    args, _ = _pool_args("max_pool", x, pool_size, strides, padding, data_format)
    return MaxPool.apply(x, **args)


def average_pool(
    inputs, pool_size, strides=None, padding="valid", data_format=None, count_include_pad=None
):
    """Average pooling (`keras.ops.average_pool`): the mean of each window.

    Args:
        count_include_pad: whether padded zeros count in the divisor. Default None means
            Keras' rule for padding="same" (they don't: edge windows average only real pixels)
            and torch's AvgPool2d default for explicit padding (they do: divisor k_h*k_w).
        others: as `max_pool`.

    Example:
        >>> average_pool(np.ones((1, 3, 3, 1)), 2, 1, padding="same").numpy()[0, :, :, 0]
        array([[1., 1., 1.],
               [1., 1., 1.],
               [1., 1., 1.]], dtype=float32)
    """
    x = as_tensor(inputs)
    args, explicit = _pool_args("average_pool", x, pool_size, strides, padding, data_format)
    include = explicit if count_include_pad is None else bool(count_include_pad)
    return AveragePool.apply(x, count_include_pad=include, **args)


def lp_pool(inputs, pool_size, strides=None, padding="valid", data_format=None, p=2):
    """Power-average (L_p norm) pooling: y = (sum over the window of |x|^p)^(1/p).

    p=2 is the lessons' L2-norm pooling, sqrt(sum x^2). Equals torch's F.lp_pool2d(x, p, k)
    for even p or non-negative inputs (torch raises x, not |x|, to the power p). Padding
    (zeros) adds nothing to the sum. The gradient where a whole window is zero is taken as 0
    (torch returns nan there).

    Example:
        >>> lp_pool(np.full((1, 2, 2, 1), 3.0), 2).numpy().ravel()   # sqrt(4 * 9)
        array([6.], dtype=float32)
    """
    x = as_tensor(inputs)
    if not np.isscalar(p) or not p > 0:
        raise ValueError(f"lp_pool: p must be a positive number. Received: p={p!r}")
    args, _ = _pool_args("lp_pool", x, pool_size, strides, padding, data_format)
    return LpPool.apply(x, p=float(p), **args)


__all__ = ["average_pool", "lp_pool", "max_pool"]
