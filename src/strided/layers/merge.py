"""Merge layers: combine a list of tensors into one (residual connections, branches).

    Add / Subtract / Multiply / Average / Maximum / Minimum:  elementwise, with broadcasting;
    Concatenate(axis=-1):  side by side along an axis (e.g. stacking feature maps).

Each has a functional twin with Keras' name: `layers.add([x, y])`, `layers.concatenate([a, b])`.

    >>> x = keras.Input((8, 8, 16)); y = layers.Conv2D(16, 3, padding="same")(x)
    >>> layers.Add()([x, y]).shape          # a residual connection
    (None, 8, 8, 16)
"""

import functools

from strided import ops
from strided.layers.base import Layer


def _broadcast_dims(layer, shapes):
    """Broadcast shapes that may contain None (unknown), right-aligned like NumPy."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    result = []
    for dims in zip(*padded):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(
                f"{layer}: inputs with incompatible shapes {[tuple(s) for s in shapes]} cannot be merged; every axis "
                f"must have the same size (or 1)."
            )
        if known:
            result.append(known.pop())
        elif any(d is None for d in dims):
            result.append(None)
        else:
            result.append(1)
    return tuple(result)


class Merge(Layer):
    """Base of the elementwise merge layers: subclasses define `_merge(a, b)`."""

    min_inputs, max_inputs = 1, None

    _traceable_inference = True

    def _check(self, input_shape):
        name = type(self).__name__
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"{name}: a merge layer should be called on a list of inputs. Received: input_shape={input_shape!r}")
        count = len(input_shape)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            wanted = f"exactly {self.max_inputs}" if self.max_inputs == self.min_inputs else f"at least {self.min_inputs}"
            raise ValueError(f"{name}: expected {wanted} inputs, received {count} inputs.")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        batches = {s[0] for s in input_shape if len(s) and s[0] is not None}
        if len(batches) > 1:
            raise ValueError(f"{type(self).__name__}: the inputs have different batch sizes {sorted(batches)}.")
        return _broadcast_dims(type(self).__name__, input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(  # noqa: TRY004 (Keras raises ValueError)
                f"{type(self).__name__}: a merge layer should be called on a list of inputs."
            )
        return functools.reduce(self._merge, inputs)


class Add(Merge):
    """Elementwise sum of the inputs (all of the same shape, or broadcastable)."""

    def _merge(self, a, b):
        return ops.add(a, b)


class Subtract(Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    min_inputs = max_inputs = 2

    def _merge(self, a, b):
        return ops.subtract(a, b)


class Multiply(Merge):
    """Elementwise product of the inputs."""

    def _merge(self, a, b):
        return ops.multiply(a, b)


class Maximum(Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, a, b):
        return ops.maximum(a, b)


class Minimum(Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, a, b):
        return ops.minimum(a, b)


class Average(Merge):
    """Elementwise mean of the inputs."""

    _traceable_inference = True

    def call(self, inputs):
        total = functools.reduce(ops.add, inputs)
        return ops.divide(total, float(len(inputs)))


class Concatenate(Merge):
    """Join the inputs along `axis` (default -1, the channels); other axes must match.

    Shape: sizes along `axis` add up: [(N, H, W, 16), (N, H, W, 32)] -> (N, H, W, 48).
    """

    _traceable_inference = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: `axis` must be an int. Received: axis={axis!r}")
        self.axis = axis

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        ndim = len(input_shape[0])
        if any(len(s) != ndim for s in input_shape) or not -ndim <= self.axis < ndim:
            raise ValueError(
                f"Concatenate: all inputs need the same rank and axis {self.axis} must exist. Received input "
                f"shapes {[tuple(s) for s in input_shape]}."
            )
        axis = self.axis % ndim
        result = []
        for i, dims in enumerate(zip(*input_shape)):
            if i == axis:
                result.append(None if None in dims else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(
                    f"Concatenate: a `Concatenate` layer requires inputs with matching shapes except for the "
                    f"concatenation axis ({self.axis}). Received: input_shape={[tuple(s) for s in input_shape]}"
                )
            result.append(known.pop() if known else None)
        return tuple(result)

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x, y])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([a, b], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
