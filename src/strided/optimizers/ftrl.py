"""FTRL-Proximal (McMahan et al. 2013, "Ad Click Prediction"), as Keras 3 computes it.

    g'     = g + 2 l2_shrinkage w
    n_new  = n + g^2
    z     += g' - (n_new^(-p) - n^(-p)) / lr * w              p = learning_rate_power (-0.5)
    w      = (clip(z, -l1, l1) - z) / (n_new^(-p) / lr + 2 (l2 + beta / (2 lr)))
    n      = n_new

The accumulator n starts at `initial_accumulator_value`, the linear term z at zero.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """FTRL optimizer (sparse, regularised linear models; also usable on any weights).

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        learning_rate_power: <= 0; how the step shrinks as gradients accumulate. Defaults to -0.5.
        initial_accumulator_value: >= 0, starting value of the accumulators. Defaults to 0.1.
        l1_regularization_strength: >= 0. Defaults to 0.0.
        l2_regularization_strength: >= 0. Defaults to 0.0.
        l2_shrinkage_regularization_strength: >= 0, an L2 penalty on the gradient. Defaults to 0.0.
        beta: added to the denominator as `beta / (2 lr)`. Defaults to 0.0.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> opt = strided.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    slot_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if initial_accumulator_value < 0.0:
            raise ValueError("`initial_accumulator_value` needs to be positive or zero. "
                             f"Received: initial_accumulator_value={initial_accumulator_value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power}.")
        for arg, value in (("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def initial_slot(self, name, data):
        if name == "accumulator":
            return np.full_like(data, self.initial_accumulator_value)
        return np.zeros_like(data)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        accumulator, linear = slots["accumulator"], slots["linear"]
        power = -float(self.learning_rate_power)
        l1 = float(self.l1_regularization_strength)
        l2 = float(self.l2_regularization_strength) + float(self.beta) / (2.0 * learning_rate)
        adjusted = gradient + 2.0 * float(self.l2_shrinkage_regularization_strength) * variable
        new_accumulator = accumulator + np.square(gradient)
        linear += adjusted - (np.power(new_accumulator, power) - np.power(accumulator, power)) / learning_rate * variable
        quadratic = np.power(new_accumulator, power) / learning_rate + 2.0 * l2
        variable[...] = (np.clip(linear, -l1, l1) - linear) / quadratic
        accumulator[...] = new_accumulator

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config


__all__ = ["Ftrl"]
