"""Adadelta (Zeiler 2012), as Keras 3 computes it: steps scaled by the ratio of two running
RMS values, so the step has the units of the weights.

    rms(x) = sqrt(x + epsilon)
    a_g  = rho a_g + (1 - rho) g^2
    step = -rms(a_dx) g / rms(a_g)
    a_dx = rho a_dx + (1 - rho) step^2
    w   += lr step

Keras keeps a learning rate (default 0.001); the paper's Adadelta is lr = 1.0.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """Adadelta optimizer.

    Args:
        learning_rate: float or schedule. Defaults to 0.001 (the paper uses 1.0).
        rho: decay rate of the running averages. Defaults to 0.95.
        epsilon: added inside the square roots. Defaults to 1e-7.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer=strided.optimizers.Adadelta(learning_rate=1.0), loss="mse")
    """

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= rho <= 1:
            raise ValueError(f"`rho` must be a float in [0, 1]. Received: rho={rho!r}")
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        rho, epsilon = self.rho, self.epsilon
        grads, deltas = slots["accumulated_grad"], slots["accumulated_delta_var"]
        grads *= rho
        grads += (1.0 - rho) * np.square(gradient)
        step = -np.sqrt(deltas + epsilon) * gradient / np.sqrt(grads + epsilon)
        deltas *= rho
        deltas += (1.0 - rho) * np.square(step)
        variable += learning_rate * step

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


__all__ = ["Adadelta"]
