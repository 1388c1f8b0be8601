"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as Keras 3:
a step of fixed size lr in the sign of an interpolated momentum.

    w -= lr sign(beta_1 m + (1 - beta_1) g)
    m  = beta_2 m + (1 - beta_2) g
"""

import numpy as np

from strided.optimizers.base import Optimizer


class Lion(Optimizer):
    """Lion optimizer. Its steps are larger than Adam's: use a 3-10x smaller learning rate.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: interpolation of momentum and gradient for the step, in (0, 1]. Defaults to 0.9.
        beta_2: decay rate of the momentum. Defaults to 0.99.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer=strided.optimizers.Lion(learning_rate=1e-4), loss="mse")
    """

    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        m = slots["momentum"]
        variable -= learning_rate * np.sign(self.beta_1 * m + (1.0 - self.beta_1) * gradient)
        m *= self.beta_2
        m += (1.0 - self.beta_2) * gradient

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config


__all__ = ["Lion"]
