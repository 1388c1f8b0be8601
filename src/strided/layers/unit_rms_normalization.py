"""UnitNormalization and RMSNormalization: rescale by a norm, without subtracting a mean.

    UnitNormalization:  y = x / ||x||_2                       (over `axis`; no weights)
    RMSNormalization:   y = x / sqrt(mean(x^2) + epsilon) * scale   (one learned `scale`)

Both keep the input's shape. Keras 3 semantics (keras.layers.UnitNormalization/RMSNormalization).
"""

from strided import ops
from strided.layers.base import Layer


def _axis_argument(layer, axis):
    """Keras' accepted forms: an int, or a list/tuple of ints (stored as a list)."""
    if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(
        f"{layer}: invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis!r}"
    )


def _resolved_axes(layer, axis, input_shape):
    """Non-negative, sorted axes, with an error naming the input shape when one is out of range."""
    ndim = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{layer}: axis {a} is out of bounds for input shape {tuple(input_shape)}. Received: axis={axis!r}")
    return tuple(sorted({a % ndim for a in axes}))


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm along `axis`: y = x / max(||x||_2, 1e-12).

    Args:
        axis: int or list of ints (default -1), the axes the norm is taken over.

    Shape: unchanged. No weights.

    Example:
        >>> UnitNormalization()(np.array([[3.0, 4.0]])).numpy()
        array([[0.6, 0.8]], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(type(self).__name__, axis)
        self.supports_masking = True

    def call(self, inputs):
        axes = _resolved_axes(type(self).__name__, self.axis, inputs.shape)
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        # x * min(rsqrt(sum x^2), 1e12), written with a maximum so a zero vector has a finite gradient
        return ops.divide(inputs, ops.sqrt(ops.maximum(square_sum, 1e-24)))

    def compute_output_shape(self, input_shape):
        _resolved_axes(type(self).__name__, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich 2019): y = x / sqrt(mean(x^2) + epsilon) * scale.

    Unlike LayerNormalization there is no centering and no offset; the mean of the squares is
    taken over `axis` for each sample.

    Args:
        axis: int or list of ints (default -1). epsilon: added to the mean square (default 1e-6).

    Weights: scale, shape tuple(input_shape[a] for a in axis), initialised to ones.

    Shape: unchanged.

    Example:
        >>> RMSNormalization()(np.array([[3.0, 4.0]])).numpy().round(3)   # rms = sqrt(12.5)
        array([[0.849, 1.131]], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.axis = _axis_argument(name, axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"{name}: `epsilon` must be a non-negative float. Received: epsilon={epsilon!r}")
        self.epsilon = epsilon

    def build(self, input_shape):
        self._axes = _resolved_axes(type(self).__name__, self.axis, input_shape)
        if any(input_shape[a] is None for a in self._axes):
            raise ValueError(
                f"{type(self).__name__}: the size of axis {self.axis} must be known. Received input shape {tuple(input_shape)}."
            )
        # Keras stores the axis as a sorted list once built (its config then shows the list).
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self.scale = self.add_weight(shape=tuple(input_shape[a] for a in self._axes), initializer="ones", name="scale")
        self.built = True

    def call(self, inputs):
        mean_square = ops.mean(ops.square(inputs), axis=self._axes, keepdims=True)
        view = tuple(n if i in self._axes else 1 for i, n in enumerate(inputs.shape))
        outputs = ops.multiply(inputs, ops.rsqrt(ops.add(mean_square, float(self.epsilon))))
        return ops.multiply(outputs, ops.reshape(self.scale, view))

    def compute_output_shape(self, input_shape):
        _resolved_axes(type(self).__name__, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config


__all__ = ["RMSNormalization", "UnitNormalization"]
