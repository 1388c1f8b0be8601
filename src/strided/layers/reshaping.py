"""Reshaping layers: Flatten, Reshape and Permute (no weights; the values only move).

    Flatten:   (N, d1, ..., dk) -> (N, d1 * ... * dk)
    Reshape:   (N, d1, ..., dk) -> (N, *target_shape)
    Permute:   (N, d1, d2, d3) -> (N, d_p1, d_p2, d_p3)
"""

import math

from strided import _config, ops
from strided.layers.base import Layer


class Flatten(Layer):
    """Flatten every axis but the batch: (N, 7, 7, 64) -> (N, 3136), e.g. before a Dense layer.

    Args:
        data_format: with "channels_first" the channel axis is moved last first, so the
            flattened order matches a channels-last model (as Keras).
    """

    _traceable_inference = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.standardize_data_format(data_format)

    def call(self, inputs):
        return ops.flatten(inputs, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshape each sample to `target_shape` (batch axis excluded; one entry may be -1).

    Example:
        >>> Reshape((7, 7, 64))(np.zeros((2, 3136))).shape
        (2, 7, 7, 64)
    """

    _traceable_inference = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            self.target_shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise TypeError(f"Reshape: `target_shape` must be a tuple of ints. Received: target_shape={target_shape!r}") from None
        if self.target_shape.count(-1) > 1 or any(d == 0 or d < -1 for d in self.target_shape):
            raise ValueError(
                f"Reshape: `target_shape` must hold positive ints and at most one -1. "
                f"Received: target_shape={target_shape!r}"
            )

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            if None not in rest and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(
                    f"Reshape: total size of the input (shape {tuple(input_shape)}: {math.prod(rest)} per sample) "
                    f"must be unchanged; target_shape {self.target_shape} holds {math.prod(self.target_shape)}."
                )
            return (input_shape[0], *self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if None in rest:
            missing = None
        else:
            if math.prod(rest) % known:
                raise ValueError(
                    f"Reshape: cannot reshape input shape {tuple(input_shape)} to {self.target_shape}: "
                    f"{math.prod(rest)} is not a multiple of {known}."
                )
            missing = math.prod(rest) // known
        return (input_shape[0], *(missing if d == -1 else d for d in self.target_shape))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = tuple(self.target_shape)
        return config


class Permute(Layer):
    """Reorder the non-batch axes: Permute((2, 1)) swaps the two axes of (N, a, b) (1-based)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Permute: invalid permutation argument `dims`: it must be a permutation of 1..{len(self.dims)}. "
                f"Received: dims={dims!r}"
            )

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        config = super().get_config()
        config["dims"] = tuple(self.dims)
        return config


__all__ = ["Flatten", "Permute", "Reshape"]
