"""RepeatVector: repeat a feature vector n times, (N, features) -> (N, n, features).

Used to feed one encoding to every step of a decoder (Keras' sequence-to-sequence examples).
"""

from strided import ops
from strided.layers.base import Layer


class RepeatVector(Layer):
    """Repeat the input `n` times along a new axis 1.

    Args:
        n: positive int, the number of repetitions.

    Shape: (N, features) -> (N, n, features).

    Example:
        >>> RepeatVector(3)(np.ones((2, 5))).shape
        (2, 3, 5)
    """

    _traceable_inference = True

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"RepeatVector: expected an integer value for `n`. Received: n={n!r}")
        if n <= 0:
            raise ValueError(f"RepeatVector: argument `n` should be a positive integer. Received: n={n}")
        self.n = n

    def _check(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"RepeatVector: expected a 2-D input (batch, features), received shape {tuple(input_shape)}. "
                f"Flatten it first (layers.Flatten())."
            )

    def call(self, inputs):
        self._check(inputs.shape)
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


__all__ = ["RepeatVector"]
