"""Adafactor (Shazeer & Stern 2018), as Keras 3: Adam-like steps whose second moment of a
matrix is stored as a row vector and a column vector (factored), not a full matrix.

    t = iterations + 1;  rho = min(lr, 1/sqrt(t))   (lr too when relative_step)
    alpha = max(epsilon_2, rms(w)) rho
    G = g^2 + epsilon_1;   beta = 1 - t^beta_2_decay
    rank >= 2:  r = beta r + (1 - beta) mean(G, axis=-1)      (rows)
                c = beta c + (1 - beta) mean(G, axis=-2)      (columns)
                v = (r / mean(r, axis=-1))[..., None] * c[..., None, :]
    rank < 2:   v = beta v + (1 - beta) G
    u = g / sqrt(v);   u = u / max(1, rms(u) / clip_threshold)
    w -= alpha u
"""

import math

import numpy as np

from strided.optimizers.schedules import LearningRateSchedule
from strided.optimizers.whole_variable import WholeVariableOptimizer


def _rms(array):
    return math.sqrt(float(np.mean(np.square(array, dtype=np.float64)))) if array.size else 0.0


class Adafactor(WholeVariableOptimizer):
    """Adafactor optimizer (memory-light second moments).

    Args:
        learning_rate: float or schedule. Defaults to 0.001.
        beta_2_decay: the second-moment decay is `1 - t^beta_2_decay`. Defaults to -0.8.
        epsilon_1: added to the squared gradient. Defaults to 1e-30.
        epsilon_2: the smallest weight RMS used to scale the step. Defaults to 1e-3.
        clip_threshold: the largest RMS of the normalised update. Defaults to 1.0.
        relative_step: with a float learning rate, use min(lr, 1/sqrt(t)). Defaults to True.
        **kwargs: weight_decay, clipnorm, clipvalue, global_clipnorm, name (see `Optimizer`).

    Example:
        >>> model.compile(optimizer="adafactor", loss="mse")
    """

    slot_names = ("row", "column", "velocity")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, name="adafactor", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def initial_slot(self, name, data):
        """Rows (shape[:-1]) and columns (shape[:-2] + shape[-1:]) for matrices; scalars otherwise."""
        if name == "row":
            return np.zeros(data.shape[:-1] if data.ndim >= 2 else (), data.dtype)
        if name == "column":
            return np.zeros(data.shape[:-2] + data.shape[-1:] if data.ndim >= 2 else (), data.dtype)
        return np.zeros_like(data)

    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        t = self.iterations + 1
        schedule = isinstance(self._learning_rate, LearningRateSchedule) or callable(self._learning_rate)
        lr = min(learning_rate, 1.0 / math.sqrt(t)) if self.relative_step and not schedule else learning_rate
        rho = min(lr, 1.0 / math.sqrt(t))
        alpha = max(self.epsilon_2, _rms(variable)) * rho
        squared = np.square(gradient) + self.epsilon_1
        beta = 1.0 - t ** float(self.beta_2_decay)
        v = slots["velocity"]
        if variable.ndim >= 2:
            row, column = slots["row"], slots["column"]
            row[...] = beta * row + (1.0 - beta) * np.mean(squared, axis=-1)
            column[...] = beta * column + (1.0 - beta) * np.mean(squared, axis=-2)
            v[...] = (row / np.mean(row, axis=-1, keepdims=True))[..., None] * column[..., None, :]
        else:
            v[...] = beta * v + (1.0 - beta) * squared
        update = gradient / np.sqrt(v)
        update /= max(1.0, _rms(update) / self.clip_threshold)
        variable -= alpha * update

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config


__all__ = ["Adafactor"]
