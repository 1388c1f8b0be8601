"""LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"), as Keras 3: Adam's
step rescaled per variable by a trust ratio, so every layer moves by a similar fraction.

    m += (1 - beta_1)(g - m);   v += (1 - beta_2)(g^2 - v)
    r  = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
    ratio = ||w|| / ||r||   (1 when either norm is 0)
    w -= ratio lr r
"""

import math

import numpy as np

from strided.optimizers.whole_variable import WholeVariableOptimizer


class Lamb(WholeVariableOptimizer):
    """Lamb optimizer.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay rate of the first moment. Defaults to 0.9.
        beta_2: decay rate of the second moment. Defaults to 0.999.
        epsilon: added to the root of the corrected second moment. Defaults to 1e-7.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer=strided.optimizers.Lamb(learning_rate=1e-3), loss="mse")
    """

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="lamb", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        t = self.iterations + 1
        m, v = slots["momentum"], slots["velocity"]
        m += (1.0 - self.beta_1) * (gradient - m)
        v += (1.0 - self.beta_2) * (np.square(gradient) - v)
        update = (m / (1.0 - self.beta_1**t)) / (np.sqrt(v / (1.0 - self.beta_2**t)) + self.epsilon)
        weight_norm = math.sqrt(float(np.sum(np.square(variable))))
        update_norm = math.sqrt(float(np.sum(np.square(update))))
        ratio = weight_norm / update_norm if weight_norm > 0 and update_norm > 0 else 1.0
        variable -= (ratio * learning_rate) * update

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


__all__ = ["Lamb"]
