"""Colour helpers shared by the colour layers: value-range mapping, grayscale, channel axis."""

import numpy as np

from strided import ops

# ITU-R 601 luma weights, as keras.ops.image.rgb_to_grayscale (and tf.image) use.
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def to_range(x, source, target):
    """Map x linearly from the `source` (low, high) range to the `target` one (Keras' rule)."""
    if tuple(source) == tuple(target):
        return x
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return ops.add(ops.multiply(ops.subtract(x, float(source[0])), float(scale)), float(target[0]))


def channel_axis(data_format):
    return 1 if data_format == "channels_first" else 3


def grayscale(layer, x, data_format):
    """The luma of RGB images, kept with one channel (broadcasts against the 3 channels)."""
    axis = channel_axis(data_format)
    if x.shape[axis] != 3:
        raise ValueError(
            f"{layer}: expected RGB images with 3 channels on axis {axis}, received shape "
            f"{tuple(x.shape)}."
        )
    shape = [1, 1, 1, 1]
    shape[axis] = 3
    weights = np.asarray(GRAY_WEIGHTS, dtype=x.dtype).reshape(shape)
    return ops.sum(ops.multiply(x, weights), axis=axis, keepdims=True)


def per_image(values, dtype):
    """(N,) numbers as an (N, 1, 1, 1) array that broadcasts over each image."""
    return np.asarray(values, dtype=dtype).reshape(-1, 1, 1, 1)


__all__ = []
