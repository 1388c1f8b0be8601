"""RMSprop, as Keras 3's `RMSprop`: divide the gradient by a running RMS of its history.

    v = rho * v + (1 - rho) * g^2
    (centered)  a = rho * a + (1 - rho) * g ;  denominator = v - a^2 + epsilon
    (otherwise) denominator = v + epsilon
    increment = lr * g / sqrt(denominator)
    (momentum)  m = momentum * m + increment ;  w -= m
    (otherwise) w -= increment

PyTorch's `RMSprop(alpha=rho)` puts epsilon OUTSIDE the square root (`sqrt(v) + eps`) and
defaults to eps=1e-8; with epsilon = 0 the two agree exactly (tested). No bias correction.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop optimizer.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        rho: discounting factor of the squared-gradient average. Defaults to 0.9.
        momentum: float >= 0. Defaults to 0.0.
        epsilon: added to the mean square inside the root. Defaults to 1e-7.
        centered: normalise by the estimated variance instead of the second moment.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> opt = strided.optimizers.RMSprop(learning_rate=0.1)
        >>> w = strided.Variable([10.0])
        >>> opt.apply([w.numpy().copy()], [w]); round(float(w.numpy()[0]), 4)
        9.6838
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="rm_sprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= rho <= 1:
            raise ValueError(f"`rho` must be a float between [0, 1]. Received: {rho!r}")
        if momentum < 0:
            raise ValueError(f"`momentum` must be >= 0. Received: {momentum!r}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    @property
    def slot_names(self):
        names = ("velocity",)
        if self.momentum > 0:
            names += ("momentum",)
        if self.centered:
            names += ("average_gradient",)
        return names

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        rho = self.rho
        velocity = slots["velocity"]
        np.square(gradient, out=scratch)
        scratch *= 1.0 - rho
        velocity *= rho
        velocity += scratch                                   # v = rho v + (1 - rho) g^2
        if self.centered:
            average = slots["average_gradient"]
            average *= rho
            average += (1.0 - rho) * gradient                 # a = rho a + (1 - rho) g
            np.square(average, out=scratch)
            np.subtract(velocity, scratch, out=scratch)
        else:
            scratch[...] = velocity
        scratch += self.epsilon
        np.sqrt(scratch, out=scratch)
        np.divide(gradient, scratch, out=scratch)
        scratch *= learning_rate                              # increment = lr g / sqrt(denominator)
        if self.momentum > 0:
            momentum = slots["momentum"]
            momentum *= self.momentum
            momentum += scratch
            variable -= momentum
        else:
            variable -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config


__all__ = ["RMSprop"]
