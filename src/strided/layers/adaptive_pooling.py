"""Adaptive pooling layers (Keras 3.15): a fixed output grid for any input size.

Output cell i of an axis of size L pools the bin [floor(i*L/out), ceil((i+1)*L/out)) — the
bins of PyTorch's AdaptiveAvgPool / AdaptiveMaxPool, which Keras 3 reproduces; bins overlap by
one element when out does not divide L. The work is done by `ops.adaptive_average_pool` and
`ops.adaptive_max_pool`.

Shape: (N, *spatial, C) -> (N, *output_size, C) (channels-last).
"""

from strided import _config, ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.conv import _with_spatial


def _output_size(layer, output_size, rank):
    """Keras' accepted forms: an int (every axis) or a tuple/list of `rank` ints."""
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        sizes = (output_size,) * rank
    elif isinstance(output_size, (tuple, list)) and len(output_size) == rank:
        sizes = tuple(output_size)
    else:
        axes = "an integer or a tuple of 1 integer" if rank == 1 else f"an integer or a tuple of {rank} integers"
        raise TypeError(f"{layer}: `output_size` must be {axes}. Received: output_size={output_size!r}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"{layer}: `output_size` must hold positive integers. Received: output_size={output_size!r}")
    return sizes


class _AdaptivePooling(Layer):
    rank = None

    _traceable_inference = True

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = _output_size(type(self).__name__, output_size, self.rank)
        self.data_format = _config.standardize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, self.rank, self.data_format)
        channels = input_shape[U.channel_axis(self.data_format)]
        return _with_spatial(input_shape, list(self.output_size), channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(output_size=self.output_size, data_format=self.data_format)
        return config


class _AdaptiveAverage(_AdaptivePooling):
    def call(self, inputs):
        pool = ops.adaptive_average_pool3d if self.rank == 3 else ops.adaptive_average_pool
        return pool(inputs, self.output_size, data_format=self.data_format)


class _AdaptiveMax(_AdaptivePooling):
    def call(self, inputs):
        pool = ops.adaptive_max_pool3d if self.rank == 3 else ops.adaptive_max_pool
        return pool(inputs, self.output_size, data_format=self.data_format)


class AdaptiveAveragePooling1D(_AdaptiveAverage):
    """Average over `output_size` adaptive bins of the steps: (N, L, C) -> (N, output_size, C).

    Args:
        output_size: int or 1-tuple. data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> AdaptiveAveragePooling1D(2)(np.arange(4.0).reshape(1, 4, 1)).numpy().ravel()
        array([0.5, 2.5], dtype=float32)
    """

    rank = 1


class AdaptiveAveragePooling2D(_AdaptiveAverage):
    """Average over an (out_h, out_w) grid of adaptive bins: (N, H, W, C) -> (N, out_h, out_w, C).

    Args:
        output_size: int or (out_h, out_w). data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> AdaptiveAveragePooling2D((2, 3))(np.zeros((1, 7, 9, 4))).shape
        (1, 2, 3, 4)
    """

    rank = 2


class AdaptiveMaxPooling1D(_AdaptiveMax):
    """The maximum of each of `output_size` adaptive bins of the steps. Args as AdaptiveAveragePooling1D."""

    rank = 1


class AdaptiveMaxPooling2D(_AdaptiveMax):
    """The maximum of each adaptive bin of an (out_h, out_w) grid. Args as AdaptiveAveragePooling2D."""

    rank = 2


class AdaptiveAveragePooling3D(_AdaptiveAverage):
    """Average over an (out_d, out_h, out_w) grid of adaptive bins of a volume.

    Args:
        output_size: int or 3 ints. data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> AdaptiveAveragePooling3D(2)(np.zeros((1, 5, 6, 7, 3))).shape
        (1, 2, 2, 2, 3)
    """

    rank = 3


class AdaptiveMaxPooling3D(_AdaptiveMax):
    """The maximum of each adaptive bin of an (out_d, out_h, out_w) grid. Args as AdaptiveAveragePooling3D."""

    rank = 3


__all__ = [
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
]
