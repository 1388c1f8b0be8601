"""Random initializers: normal, truncated normal, uniform and the variance-scaling family
(Glorot/Xavier, He, LeCun), plus orthogonal."""

import math

import numpy as np

from strided.initializers.base import Initializer, _floatx, _generator, compute_fans


class RandomInitializer(Initializer):
    """Base of the random initializers: holds and validates `seed` (an int or None)."""

    def __init__(self, seed=None):
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise ValueError(f"`seed` argument should be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)

    def get_config(self):
        return {"seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples, with those beyond 2 standard deviations redrawn (as Keras/TF)."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return mean + stddev * values


class RandomNormal(RandomInitializer):
    """Samples from N(mean, stddev^2). Args: mean=0.0, stddev=0.05, seed=None."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = float(mean), float(stddev)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        values = _generator(self.seed).normal(self.mean, self.stddev, size=shape)
        return values.astype(_floatx(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    """Like RandomNormal, but values more than 2 stddev from the mean are redrawn."""

    def __call__(self, shape, dtype=None):
        values = _truncated_normal(_generator(self.seed), shape, self.mean, self.stddev)
        return values.astype(_floatx(dtype))


class RandomUniform(RandomInitializer):
    """Samples from U[minval, maxval). Args: minval=-0.05, maxval=0.05, seed=None."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = float(minval), float(maxval)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        values = _generator(self.seed).uniform(self.minval, self.maxval, size=shape)
        return values.astype(_floatx(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Random values whose variance is `scale / n`, n the fan chosen by `mode`.

    Args:
        scale: positive float.
        mode: "fan_in", "fan_out" or "fan_avg" ((fan_in + fan_out) / 2).
        distribution: "truncated_normal" (stddev = sqrt(scale / n) / .8796, the stddev of a
            unit normal truncated at 2), "untruncated_normal" (stddev = sqrt(scale / n)) or
            "uniform" (limit = sqrt(3 * scale / n)).
        seed: int or None.

    >>> VarianceScaling(2.0, "fan_in", "truncated_normal")((3, 3, 1, 32)).std()  # ~ sqrt(2/9)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"Invalid `mode` argument: {mode!r}. Please use one of 'fan_in', 'fan_out', 'fan_avg'."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. Please use one of 'uniform', "
                f"'truncated_normal', 'untruncated_normal'."
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = _generator(self.seed)
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        return values.astype(_floatx(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}


def _variance_scaling_preset(class_name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(class_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc})


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Glorot (Xavier) uniform, the default kernel initializer: U[-l, l], l = sqrt(6 / (fan_in + fan_out)).",
)
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Glorot (Xavier) normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out)).",
)
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "He normal (for ReLU nets): truncated normal with stddev sqrt(2 / fan_in).",
)
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform", "He uniform: U[-l, l], l = sqrt(6 / fan_in)."
)
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "LeCun normal (for SELU nets): truncated normal with stddev sqrt(1 / fan_in).",
)
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform", "LeCun uniform: U[-l, l], l = sqrt(3 / fan_in)."
)
for _cls in (GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform):
    _cls.__module__ = __name__


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (QR of a Gaussian matrix) times `gain`; shapes of rank >= 2 are
    flattened to (prod(shape[:-1]), shape[-1]) first, so it works for conv kernels."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(gain)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(
                f"The tensor to initialize must be at least two-dimensional. Received: shape={tuple(shape)} "
                f"of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _generator(self.seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_floatx(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


OrthogonalInitializer = Orthogonal


__all__ = [
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
]
