"""Normalization: standardize features with a mean and variance given or learned by `adapt`."""

import numbers

import numpy as np

from strided import _config, ops
from strided.layers.base import Layer
from strided.layers.preprocessing._image_layer import _as_json


class Normalization(Layer):
    """Standardize features with a mean and variance learned by `adapt(data)` (always applied).

    out = (x - mean) / max(sqrt(variance), epsilon), per index of `axis` (e.g. per channel);
    `invert=True` maps back: x * max(sqrt(variance), epsilon) + mean.

    Args:
        axis: the axis (or axes) that keeps separate statistics; -1 = last (channels); None = one
            scalar mean and variance.
        mean, variance: give both to skip adapt() (broadcast to the kept axes).
        invert: apply the inverse transform.

    Weights: non-trainable "mean" and "variance" (shape of the kept axes) when not given.

    Example:
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
        >>> norm(np.array([[1.0, 20.0]])).numpy()
        array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            self.axis = ()
        elif isinstance(axis, numbers.Integral):
            self.axis = (int(axis),)
        else:
            self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: give both `mean` and `variance`, or neither (then call adapt(data))."
            )
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = tuple(sorted(a % ndim for a in self.axis)) if ndim else ()
        if 0 in axes or any(input_shape[a] is None for a in axes):
            raise ValueError(
                f"Normalization: `axis` must name axes of known size other than the batch axis; "
                f"received axis={self.axis} for input shape {tuple(input_shape)}."
            )
        self._kept_axes = axes
        self._broadcast = tuple(input_shape[a] if a in axes else 1 for a in range(ndim))
        stat_shape = tuple(input_shape[a] for a in axes)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                shape=stat_shape, initializer="zeros", trainable=False, name="mean"
            )
            self.adapt_variance = self.add_weight(
                shape=stat_shape, initializer="ones", trainable=False, name="variance"
            )
            # Keras 3 keeps the number of adapted samples too (mean, variance, count), so weight
            # files and parameter counts match (EfficientNetB0's 5,330,571).
            self.count = self.add_weight(
                shape=(), initializer="zeros", trainable=False, name="count", dtype="int64"
            )
        else:
            self._mean = np.broadcast_to(np.asarray(self.input_mean, np.float64), stat_shape)
            self._variance = np.broadcast_to(
                np.asarray(self.input_variance, np.float64), stat_shape
            )

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` (an array, or an iterable of batches / (x, y) pairs).

        Statistics are accumulated batch by batch (Chan's parallel formula) in float64.
        """
        if self.input_mean is not None:
            raise ValueError(
                "Normalization: adapt() is not needed (and not allowed) when mean and variance were given."
            )
        is_batches = not hasattr(data, "shape") and not (
            isinstance(data, (list, tuple)) and not any(hasattr(item, "shape") for item in data)
        )
        if not is_batches:  # one array (ndarray, Tensor or nested lists of numbers)
            array = np.asarray(getattr(data, "data", data))
            step = batch_size or max(len(array), 1)
            batches = (array[i : i + step] for i in range(0, len(array), step))
        else:
            batches = (
                np.asarray(getattr(b, "data", b))
                for b in (b[0] if isinstance(b, tuple) else b for b in data)
            )
        count, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if not self.built:
                self._maybe_build((None,) + tuple(batch.shape[1:]))
            reduce = tuple(a for a in range(batch.ndim) if a not in self._kept_axes)
            b_count = int(np.prod([batch.shape[a] for a in reduce]))
            b_mean = batch.astype(np.float64).mean(axis=reduce)
            b_m2 = ((batch - b_mean.reshape(self._broadcast)) ** 2).sum(axis=reduce)
            if mean is None:
                count, mean, m2 = b_count, b_mean, b_m2
            else:
                delta, total = b_mean - mean, count + b_count
                mean = mean + delta * b_count / total
                m2 = m2 + b_m2 + delta**2 * count * b_count / total
                count = total
        if mean is None:
            raise ValueError("Normalization.adapt: received no data.")
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign((m2 / count).astype(self.adapt_variance.dtype))
        self.count.assign(count)

    def call(self, inputs):
        if self.input_mean is None:
            mean, variance = self.adapt_mean.data, self.adapt_variance.data
        else:
            mean, variance = self._mean, self._variance
        mean = np.asarray(mean, dtype=inputs.dtype).reshape(self._broadcast)
        std = np.maximum(np.sqrt(np.asarray(variance, np.float64)), _config.epsilon())
        std = std.astype(inputs.dtype).reshape(self._broadcast)
        if self.invert:
            return ops.add(ops.multiply(inputs, std), mean)
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": tuple(self.axis),  # as Keras: (-1,) for axis=-1, () for axis=None
            "mean": _as_json(self.input_mean),
            "variance": _as_json(self.input_variance),
            "invert": self.invert,
        }


__all__ = ["Normalization"]
