"""The two layers Keras' ConvNeXt defines for itself: `LayerScale` and `StochasticDepth`.

They live in `keras.applications.convnext` in Keras too (not in `keras.layers`); strided keeps
them beside the architecture so that Keras weight files, whose entries are keyed by class name
(`layer_scale`), load unchanged.
"""

from strided import initializers, layers, ops


class LayerScale(layers.Layer):
    """Multiply the input by a learned per-channel factor `gamma` (Keras ConvNeXt's LayerScale).

    Args:
        init_values: the initial value of every factor (ConvNeXt: 1e-6, so that each residual
            block starts close to the identity).
        projection_dim: the number of channels (the last axis).

    Shape:
        any (..., projection_dim) -> the same shape.

    Example:
        >>> LayerScale(0.5, 3)(np.ones((2, 3))).numpy()
        array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        if int(projection_dim) != projection_dim or projection_dim <= 0:
            raise ValueError(
                f"LayerScale: `projection_dim` must be a positive integer. "
                f"Received: projection_dim={projection_dim!r}"
            )
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(
                f"LayerScale '{self.name}': expected inputs with {self.projection_dim} channels "
                f"on the last axis, received shape {tuple(input_shape)}."
            )
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True,
            name="gamma",
        )

    def call(self, inputs):
        return ops.multiply(inputs, self.gamma)

    def get_config(self):
        return {
            **super().get_config(),
            "init_values": self.init_values,
            "projection_dim": self.projection_dim,
        }


class StochasticDepth(layers.Layer):
    """While training, zero a whole sample's residual branch with probability `drop_path_rate`
    (and scale kept ones by 1 / (1 - rate)); the identity at inference (Keras ConvNeXt's layer).

    Shape:
        any (batch, ...) -> the same shape.
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                "StochasticDepth: `drop_path_rate` must be in [0, 1). "
                f"Received: drop_path_rate={drop_path_rate!r}"
            )
        self.drop_path_rate = float(drop_path_rate)

    def call(self, inputs, training=None):
        if not training or self.drop_path_rate == 0:
            return inputs
        from strided.utils import random as strided_random

        noise_shape = (inputs.shape[0],) + (1,) * (len(inputs.shape) - 1)
        return ops.dropout(
            inputs, self.drop_path_rate, noise_shape=noise_shape, seed=strided_random.get_rng()
        )

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


__all__ = ["LayerScale", "StochasticDepth"]
