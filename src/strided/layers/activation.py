"""Activation layers: ReLU (with its variations), LeakyReLU, Softmax, ELU and PReLU.

They are the `strided.activations` functions as layers (output shape = input shape), for
models that list the activation as its own step: `Conv2D(32, 3), BatchNormalization(), ReLU()`.
"""

import numpy as np

from strided import activations, initializers, ops, regularizers
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


def _number(layer, name, value, allow_none=False, minimum=None):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (minimum is not None and value < minimum):
        requirement = "a non-negative number" if minimum == 0 else "a number"
        raise ValueError(f"{layer}: `{name}` must be {requirement}. Received: {name}={value!r}")
    return float(value)


class _ElementwiseLayer(Layer):
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class ReLU(_ElementwiseLayer):
    """Rectified linear unit: max(x, 0), optionally capped, leaky, or thresholded.

    f(x) = max_value if x >= max_value; x if threshold < x < max_value;
           negative_slope * (x - threshold) otherwise.

    Args:
        max_value: float >= 0 or None (no cap; 6.0 gives ReLU6).
        negative_slope: float >= 0, slope below the threshold (default 0).
        threshold: float, default 0.

    Example:
        >>> ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])).numpy()
        array([0., 3., 6.], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.max_value = _number(name, "max_value", max_value, allow_none=True, minimum=0)
        self.negative_slope = _number(name, "negative_slope", negative_slope, minimum=0)
        self.threshold = _number(name, "threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(_ElementwiseLayer):
    """x if x > 0 else negative_slope * x. Keras 3's layer default slope is 0.3.

    Args:
        negative_slope: float >= 0 (Keras 2's name `alpha` is accepted too).
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2 spelling
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _number(type(self).__name__, "negative_slope", negative_slope, minimum=0)

    _traceable_inference = True

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class Softmax(_ElementwiseLayer):
    """exp(x) / sum(exp(x)) along `axis` (default -1): class probabilities.

    `call(inputs, mask=None)`: positions where `mask` is 0/False get probability 0.
    """

    _traceable_inference = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"Softmax: `axis` must be an int or a list of ints. Received: axis={axis!r}")
        self.axis = axis if isinstance(axis, int) else list(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = np.asarray(getattr(mask, "data", mask), dtype=inputs.dtype)
            inputs = ops.add(inputs, (1.0 - keep) * inputs.dtype.type(-1e9))
        axis = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        return activations.softmax(inputs, axis=axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class ELU(_ElementwiseLayer):
    """x if x > 0 else alpha * (exp(x) - 1). Args: alpha (default 1.0)."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(type(self).__name__, "alpha", alpha)

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(_ElementwiseLayer):
    """Parametric ReLU: x if x > 0 else alpha * x, with a learned `alpha` per unit.

    Args:
        alpha_initializer: default "zeros" (starts as ReLU). alpha_regularizer, alpha_constraint.
        shared_axes: axes (1-based, batch excluded) along which alpha is shared; e.g. [1, 2]
            for one alpha per channel of an (N, H, W, C) image.

    Weights: alpha, of shape input_shape[1:] with the shared axes set to 1.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = U.get_constraint(type(self).__name__, "alpha_constraint", alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = [int(a) for a in ((shared_axes,) if isinstance(shared_axes, int) else shared_axes)]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(
                    f"PReLU: shared axis {axis} is out of range for input shape {tuple(input_shape)} (axes are "
                    f"counted from 1, after the batch)."
                )
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU: every non-shared axis must have a known size. Received input shape {tuple(input_shape)}.")
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        positive = ops.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, "alpha_initializer", "alpha_regularizer", "alpha_constraint"))
        config["shared_axes"] = self.shared_axes
        return config


__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
