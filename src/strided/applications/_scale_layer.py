"""`CustomScaleLayer`: the scaled residual sum `x + scale * r` of Keras' Inception-ResNet v2.

Keras defines this layer inside `keras.applications.inception_resnet_v2` (not in
`keras.layers`) and its model configs and weight files name it by class ("CustomScaleLayer",
automatic names custom_scale_layer, custom_scale_layer_1, ...). strided keeps the same class
name, automatic names and config ({"scale": ...}) so that Keras' files and configs load unchanged.
"""

from strided import ops
from strided.layers.merge import Merge


class CustomScaleLayer(Merge):
    """inputs[0] + inputs[1] * scale: a residual branch added to its input, scaled down.

    Args:
        scale: the factor of the second input (Inception-ResNet v2: 0.17, 0.1, 0.2 or 1.0).

    Shape:
        [(batch, ...), (batch, ...)] of one shape (or broadcastable) -> that shape.

    Example:
        >>> CustomScaleLayer(0.5)([np.ones((1, 2)), np.full((1, 2), 4.0)]).numpy()
        array([[3., 3.]], dtype=float32)
    """

    min_inputs = max_inputs = 2
    _traceable_inference = True  # `call` is two ops with a fixed factor

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        try:
            self.scale = float(scale)
        except (TypeError, ValueError):
            raise ValueError(
                f"CustomScaleLayer: `scale` must be a number. Received: scale={scale!r}"
            ) from None

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"CustomScaleLayer '{self.name}': expected a list of two inputs [x, residual], "
                f"received {type(inputs).__name__}"
                + (f" of {len(inputs)}" if isinstance(inputs, (list, tuple)) else "")
                + "."
            )
        shortcut, residual = inputs
        return ops.add(shortcut, ops.multiply(residual, self.scale))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


__all__ = ["CustomScaleLayer"]
