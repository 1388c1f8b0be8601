"""Stochastic gradient descent, with optional (Nesterov) momentum, as Keras 3's `SGD`.

Keras' rule keeps a velocity that already includes the learning rate:

    velocity = momentum * velocity - lr * g
    w        = w + velocity                          (plain momentum)
    w        = w + momentum * velocity - lr * g      (nesterov=True)

PyTorch keeps `buf = momentum * buf + g` and steps `w -= lr * buf` (Nesterov:
`w -= lr * (g + momentum * buf)`). With a constant learning rate `velocity = -lr * buf`,
so both give the same weights (tests/optimizers/test_sgd.py checks it step by step);
they differ only while the learning rate changes.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum.

    Args:
        learning_rate: float or schedule. Defaults to 0.01.
        momentum: float in [0, 1]. 0 is plain gradient descent. Defaults to 0.0.
        nesterov: whether to use Nesterov momentum. Defaults to False.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> opt = strided.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> w = strided.Variable([1.0, 2.0])
        >>> opt.apply([np.array([1.0, 1.0])], [w]); w.numpy()
        array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not (
            0 <= momentum <= 1
        ):
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    @property
    def slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        if self.momentum == 0:
            variable -= learning_rate * gradient
            return
        velocity = slots["momentum"]
        step = np.multiply(gradient, learning_rate, out=scratch)
        velocity *= self.momentum
        velocity -= step                       # velocity = momentum * velocity - lr * g
        if self.nesterov:
            variable -= step                   # w += momentum * velocity - lr * g
            variable += np.multiply(velocity, self.momentum, out=step)
        else:
            variable += velocity

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


__all__ = ["SGD"]
