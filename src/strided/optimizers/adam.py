"""Adam and AdamW, exactly as Keras 3 computes them.

    m = m + (1 - beta_1) * (g - m)
    v = v + (1 - beta_2) * (g^2 - v)
    (amsgrad) v_hat = max(v_hat, v), used in place of v
    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)          t = iterations + 1
    w = w - alpha * m / (sqrt(v) + epsilon)

Keras adds epsilon to sqrt(v) BEFORE the bias correction of v ("epsilon hat" of Kingma & Ba);
PyTorch adds it after: `w -= lr / (1 - beta_1^t) * m / (sqrt(v) / sqrt(1 - beta_2^t) + eps)`.
The two are equal when epsilon = 0 (tested against torch.optim.Adam with eps=0) and differ by
a factor sqrt(1 - beta_2^t) on epsilon otherwise.

AdamW is Adam plus decoupled weight decay `w -= w * weight_decay * lr` before each step
(handled by `Optimizer.apply`), with Keras' default weight_decay=0.004.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimate. Defaults to 0.9.
        beta_2: decay rate of the second-moment estimate. Defaults to 0.999.
        epsilon: added to sqrt(v). Defaults to 1e-7.
        amsgrad: use the running maximum of v (AMSGrad). Defaults to False.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> opt = strided.optimizers.Adam(learning_rate=0.1)
        >>> w = strided.Variable([1.0])
        >>> opt.apply([np.array([0.5])], [w]); round(float(w.numpy()[0]), 4)   # ~lr per step
        0.9
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for arg, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"`{arg}` must be a float in [0, 1). Received: {value!r}")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    @property
    def slot_names(self):
        return ("momentum", "velocity") + (("velocity_hat",) if self.amsgrad else ())

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        t = self.iterations + 1
        alpha = learning_rate * (1.0 - self.beta_2**t) ** 0.5 / (1.0 - self.beta_1**t)
        m, v = slots["momentum"], slots["velocity"]

        np.subtract(gradient, m, out=scratch)
        scratch *= 1.0 - self.beta_1
        m += scratch                                        # m += (1 - b1)(g - m)
        np.square(gradient, out=scratch)
        scratch -= v
        scratch *= 1.0 - self.beta_2
        v += scratch                                        # v += (1 - b2)(g^2 - v)
        if self.amsgrad:
            v = np.maximum(slots["velocity_hat"], v, out=slots["velocity_hat"])

        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        scratch *= alpha
        variable -= scratch                                 # w -= alpha m / (sqrt(v) + eps)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), Keras defaults.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        weight_decay: decoupled decay rate: `w -= w * weight_decay * lr` each step.
            Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: as `Adam`.

    Example:
        >>> opt = strided.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="adam_w", **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name, weight_decay=weight_decay,
                         **kwargs)


__all__ = ["Adam", "AdamW"]
