"""Nadam and Adamax: Adam with Nesterov momentum, and Adam with the infinity norm (Keras 3).

Nadam (Dozat 2016), t = iterations + 1, decay 0.96:

    u_t = beta_1 (1 - 0.5 * 0.96^t),   u_next = beta_1 (1 - 0.5 * 0.96^(t+1))
    u_product *= u_t                                     (once per step, for all variables)
    m += (1 - beta_1)(g - m);   v += (1 - beta_2)(g^2 - v)
    m_hat = u_next m / (1 - u_product u_next) + (1 - u_t) g / (1 - u_product)
    v_hat = v / (1 - beta_2^t)
    w -= lr m_hat / (sqrt(v_hat) + epsilon)

Adamax (Kingma & Ba, section 7):

    m += (1 - beta_1)(g - m);   u = max(beta_2 u, |g|)
    w -= lr m / ((1 - beta_1^t)(u + epsilon))
"""

import numpy as np

from strided.optimizers.base import Optimizer


def _check_beta(name, value):
    if not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a float in [0, 1). Received: {name}={value!r}")
    return float(value)


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum, as Keras 3 computes it.

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay rate of the first moment. Defaults to 0.9.
        beta_2: decay rate of the second moment. Defaults to 0.999.
        epsilon: added to sqrt(v_hat). Defaults to 1e-7.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer="nadam", loss="mse")
    """

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = float(epsilon)
        self.u_product = 1.0  # the running product of the momentum schedule u_1 ... u_t

    def apply(self, grads, variables=None):
        grads = list(grads)
        if not grads:
            return super().apply(grads, variables)
        previous = self.u_product
        self.u_product = previous * self.beta_1 * (1.0 - 0.5 * 0.96 ** (self.iterations + 1))
        try:
            super().apply(grads, variables)
        except BaseException:
            self.u_product = previous
            raise

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        t = self.iterations + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96**t)
        u_next = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        m, v = slots["momentum"], slots["velocity"]
        m += (1.0 - self.beta_1) * (gradient - m)
        v += (1.0 - self.beta_2) * (np.square(gradient) - v)
        m_hat = (u_next / (1.0 - self.u_product * u_next)) * m + ((1.0 - u_t) / (1.0 - self.u_product)) * gradient
        v_hat = v / (1.0 - self.beta_2**t)
        variable -= learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    @property
    def variables(self):
        """As `Optimizer.variables`, plus the u_product scalar (Keras counts it too)."""
        return super().variables + [np.array(self.u_product, dtype=np.float32)]

    def get_state(self):
        state = super().get_state()
        state["u_product"] = np.array(self.u_product, dtype=np.float64)
        return state

    def set_state(self, state):
        state = dict(state)
        if "u_product" in state:
            self.u_product = float(np.asarray(state["u_product"]))
        super().set_state(state)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm of past gradients in place of their RMS (Keras 3).

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_1: decay rate of the first moment. Defaults to 0.9.
        beta_2: decay rate of the infinity norm. Defaults to 0.999.
        epsilon: added to the norm. Defaults to 1e-7.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer=strided.optimizers.Adamax(learning_rate=0.002), loss="mse")
    """

    slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = float(epsilon)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        m, u = slots["momentum"], slots["norm"]
        m += (1.0 - self.beta_1) * (gradient - m)
        np.maximum(self.beta_2 * u, np.abs(gradient), out=u)
        correction = 1.0 - self.beta_1 ** (self.iterations + 1)
        variable -= learning_rate * m / (correction * (u + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


__all__ = ["Nadam", "Adamax"]
