"""TimeDistributed: apply one layer to every time step of a sequence, with shared weights.

(B, T, ...) is folded to (B*T, ...), the wrapped layer runs once on the stack of steps, and
the result is unfolded to (B, T, ...'): e.g. the same CNN on every frame of a video clip.
"""

from strided import ops
from strided.layers import registry
from strided.layers.base import Layer


class TimeDistributed(Layer):
    """Apply `layer` to each temporal slice (axis 1) of the input.

    Args:
        layer: a Layer instance; its weights are shared by every step.

    Shape: (B, T, *inner) -> (B, T, *layer_output_without_batch).

    Example:
        >>> TimeDistributed(Dense(8))(np.zeros((2, 10, 4))).shape
        (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: please initialize it with a Layer instance. Received: layer={layer!r}")
        self.layer = layer

    def _check(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed: the input must be at least 3-D (batch, time, ...), received shape {tuple(input_shape)}."
            )

    def build(self, input_shape):
        self._check(input_shape)
        inner = (None if input_shape[0] is None or input_shape[1] is None else input_shape[0] * input_shape[1],
                 *input_shape[2:])
        self.layer._maybe_build(tuple(inner))
        self.built = True

    def call(self, inputs, training=None):
        self._check(inputs.shape)
        batch, steps = inputs.shape[:2]
        folded = ops.reshape(inputs, (batch * steps, *inputs.shape[2:]))
        outputs = self.layer(folded, training=training)
        return ops.reshape(outputs, (batch, steps, *outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        inner = self.layer.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *tuple(inner)[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = registry.serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = registry.deserialize(config["layer"])
        return cls(**config)


__all__ = ["TimeDistributed"]
