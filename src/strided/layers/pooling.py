"""Pooling layers: summarise each window (max, average, L_p norm) or each whole feature map.

Output size of each spatial axis (no weights, so no parameters):

    "valid":  H' = floor((H - k) / s) + 1        "same":  H' = ceil(H / s)
    int p:    H' = floor((H + 2p - k) / s) + 1   (PyTorch's `padding`, p <= k // 2)

`strides` defaults to `pool_size` (non-overlapping windows), as in Keras.
"""

from strided import _config, ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.conv import _tuple, _with_spatial


class BasePooling(Layer):
    """Shared by the windowed pooling layers; subclasses set `rank` and `_pool(inputs)`."""

    rank = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.pool_size = _tuple(name, pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else _tuple(name, strides, self.rank, "strides")
        self.padding = U.normalize_padding(name, padding, self.rank)
        if not isinstance(self.padding, str):
            for (before, after), k in zip(self.padding, self.pool_size):
                if max(before, after) > k // 2:
                    raise ValueError(
                        f"{name}: an explicit padding must be at most half the pool size on each side "
                        f"(pool_size={self.pool_size}). Received: padding={padding!r}"
                    )
        self.data_format = _config.standardize_data_format(data_format)

    def _op_padding(self):
        return self.padding

    def compute_output_shape(self, input_shape):
        name = type(self).__name__
        U.check_input_rank(name, input_shape, self.rank, self.data_format)
        sizes = []
        for i, axis in enumerate(U.spatial_axes(self.data_format, len(input_shape))):
            pad = self.padding if isinstance(self.padding, str) else self.padding[i]
            size = U.conv_output_length(input_shape[axis], self.pool_size[i], self.strides[i], pad)
            if size is not None and size <= 0:
                raise ValueError(
                    f"{name}: pool_size {self.pool_size} is larger than the input (shape {tuple(input_shape)}). "
                    f"Use a smaller pool_size or padding='same'."
                )
            sizes.append(size)
        channels = input_shape[U.channel_axis(self.data_format)]
        return _with_spatial(input_shape, sizes, channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, "pool_size", "strides", "padding", "data_format"))
        return config


class _MaxPooling(BasePooling):
    _traceable_inference = True

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, self.strides, self._op_padding(), self.data_format)


class _AveragePooling(BasePooling):
    _traceable_inference = True

    def call(self, inputs):
        return ops.average_pool(inputs, self.pool_size, self.strides, self._op_padding(), self.data_format)


class MaxPooling2D(_MaxPooling):
    """2-D max pooling: the largest value of each pool_size window of every channel.

    Args:
        pool_size: int or (ph, pw), default (2, 2).
        strides: int or pair; None (default) means pool_size.
        padding: "valid", "same", or explicit ints (as torch's MaxPool2d(padding=1)).
        data_format: "channels_last" (default) or "channels_first".

    Shape: (N, H, W, C) -> (N, H', W', C), H' = floor((H - ph) / s) + 1 for "valid".

    Example:
        >>> MaxPooling2D()(np.zeros((1, 26, 26, 32))).shape
        (1, 13, 13, 32)
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling1D(_MaxPooling):
    """1-D max pooling over steps: (N, steps, C) -> (N, steps', C). pool_size default 2."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_AveragePooling):
    """2-D average pooling: the mean of each window (with "same", edge windows average only
    the real pixels, as Keras). Arguments and shapes as MaxPooling2D.

    Example:
        >>> AveragePooling2D(pool_size=2)(np.ones((1, 4, 4, 3))).shape
        (1, 2, 2, 3)
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_AveragePooling):
    """1-D average pooling over steps: (N, steps, C) -> (N, steps', C). pool_size default 2."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _LPPooling(BasePooling):
    def __init__(self, p=2, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not p > 0:
            raise ValueError(f"{type(self).__name__}: `p` must be a positive number. Received: p={p!r}")
        self.p = p

    def call(self, inputs):
        return ops.lp_pool(inputs, self.pool_size, self.strides, self._op_padding(), self.data_format, p=self.p)

    def get_config(self):
        config = super().get_config()
        config["p"] = self.p
        return config


class LPPooling2D(_LPPooling):
    """L_p-norm pooling (the lessons' L2 pooling for p=2): y = (sum over the window of |x|^p)^(1/p).

    Not in Keras; named after PyTorch's LPPool2d (which it equals for non-negative inputs).

    Args:
        p: the norm's power (default 2). pool_size, strides, padding, data_format: as MaxPooling2D.

    Example:
        >>> LPPooling2D(p=2)(np.full((1, 2, 2, 1), 3.0)).numpy().ravel()   # sqrt(4 * 9)
        array([6.], dtype=float32)
    """

    rank = 2

    def __init__(self, p=2, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(p, pool_size, strides, padding, data_format, **kwargs)


class LPPooling1D(_LPPooling):
    """1-D L_p-norm pooling over steps. Arguments as LPPooling2D, pool_size default 2."""

    rank = 1


class _GlobalPooling(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, self.rank, self.data_format)
        channels = input_shape[U.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        return _with_spatial(input_shape, [1] * self.rank, channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class _GlobalAverage(_GlobalPooling):
    _traceable_inference = True

    def call(self, inputs):
        return ops.global_average_pool(inputs, keepdims=self.keepdims, data_format=self.data_format)


class _GlobalMax(_GlobalPooling):
    _traceable_inference = True

    def call(self, inputs):
        return ops.global_max_pool(inputs, keepdims=self.keepdims, data_format=self.data_format)


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean of each feature map: (N, H, W, C) -> (N, C) (or (N, 1, 1, C) with keepdims=True).

    Replaces Flatten + Dense in modern CNNs: no parameters, and any input size works.
    """

    rank = 2


class GlobalMaxPooling2D(_GlobalMax):
    """The largest value of each feature map: (N, H, W, C) -> (N, C) (keepdims keeps 1x1)."""

    rank = 2


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean over steps: (N, steps, C) -> (N, C)."""

    rank = 1


class GlobalMaxPooling1D(_GlobalMax):
    """The largest value over steps: (N, steps, C) -> (N, C)."""

    rank = 1


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "LPPooling1D",
    "LPPooling2D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
]
