"""Adagrad, as Keras 3's `Adagrad`: per-parameter steps shrinking with the summed squares.

    accumulator = accumulator + g^2          (starts at initial_accumulator_value = 0.1)
    w = w - lr * g / sqrt(accumulator + epsilon)

PyTorch's `Adagrad` puts epsilon outside the root (`sqrt(acc) + eps`) and starts the
accumulator at 0 by default; with epsilon = 0 and the same initial value they agree (tested).
"""

import numpy as np

from strided.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad optimizer.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators (>= 0). Defaults to 0.1.
        epsilon: added inside the square root. Defaults to 1e-7.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> opt = strided.optimizers.Adagrad(learning_rate=0.1)
    """

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(
                "`initial_accumulator_value` must be >= 0. "
                f"Received: initial_accumulator_value={initial_accumulator_value!r}"
            )
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def initial_slot(self, name, data):
        return np.full_like(data, self.initial_accumulator_value)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        accumulator = slots["accumulator"]
        np.square(gradient, out=scratch)
        accumulator += scratch                               # acc += g^2
        np.add(accumulator, self.epsilon, out=scratch)
        np.sqrt(scratch, out=scratch)
        np.divide(gradient, scratch, out=scratch)
        scratch *= learning_rate
        variable -= scratch                                  # w -= lr g / sqrt(acc + eps)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


__all__ = ["Adagrad"]
