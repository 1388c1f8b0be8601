"""`keras.random`: random tensors (normal, uniform, randint, ...), dropout and shuffling.

Seeds work as in Keras 3:

* an int seed gives the same numbers on every call (`normal((2,), seed=1)` twice is equal);
* a `SeedGenerator` advances on every call, so a layer holding one draws fresh numbers each
  step yet repeats from run to run;
* None draws from strided's shared generator, which `keras.utils.set_random_seed` reseeds.

The numbers come from NumPy's PCG64 generator, so they are not the values Keras' backends
draw for the same seed; their distributions, shapes and dtypes are Keras'.

    >>> import strided as keras
    >>> keras.random.uniform((2, 3), minval=0, maxval=1, seed=0).shape
    (2, 3)
"""

import numbers

import numpy as np

from strided._config import floatx
from strided.autograd import Tensor
from strided.ops.dropout import dropout as _dropout
from strided.utils.random import get_rng


class SeedGenerator:
    """A seeded source of seeds: each random call that receives it draws a new one.

    Args:
        seed: an int (the same sequence every run) or None (from the shared generator).

    Example:
        >>> gen = SeedGenerator(1337)
        >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)   # different values
        >>> c = normal((2,), seed=SeedGenerator(1337))             # equals a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None. Received: seed={seed!r}")
        self.name = name or "seed_generator"
        self._initial_seed = int(seed) if seed is not None else int(get_rng().integers(2**31 - 1))
        self._counter = 0

    @property
    def state(self):
        return np.array([self._initial_seed, self._counter], dtype=np.int64)

    def next(self, ordered=True):
        """A fresh NumPy Generator for the next draw."""
        generator = np.random.default_rng([self._initial_seed, self._counter])
        self._counter += 1
        return generator

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def make_generator(seed, function="random"):
    """A NumPy Generator for a Keras-style `seed` (int, SeedGenerator, Generator or None)."""
    if seed is None:
        return np.random.default_rng(get_rng().integers(2**63 - 1))
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ValueError(
        f"keras.random.{function}: `seed` must be an int, a SeedGenerator or None. Received: seed={seed!r}"
    )


def _shape(shape, function):
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"keras.random.{function}: `shape` must be a tuple of ints. Received: shape={shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"keras.random.{function}: negative dimension in shape={shape}")
    return shape


def _float_dtype(dtype, function):
    dtype = np.dtype(dtype or floatx())
    if dtype.kind != "f":
        raise ValueError(f"keras.random.{function}: `dtype` must be a float type. Received: dtype={dtype}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev^2)."""
    dtype = _float_dtype(dtype, "normal")
    values = make_generator(seed, "normal").normal(mean, stddev, _shape(shape, "normal"))
    return Tensor(values.astype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval)."""
    dtype = np.dtype(dtype or floatx())
    if dtype.kind != "f":
        raise ValueError(
            "`keras.random.uniform` requires a floating point `dtype`. Use `keras.random.randint` "
            f"for integers. Received: dtype={dtype}"
        )
    values = make_generator(seed, "uniform").uniform(minval, maxval, _shape(shape, "uniform"))
    return Tensor(values.astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev^2) redrawn until within two standard deviations of the mean."""
    dtype = _float_dtype(dtype, "truncated_normal")
    generator = make_generator(seed, "truncated_normal")
    values = generator.standard_normal(_shape(shape, "truncated_normal"))
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return Tensor((values * stddev + mean).astype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError(
            "`keras.random.randint` requires an integer `dtype`. Use `keras.random.uniform` for "
            f"floats. Received: dtype={dtype}"
        )
    values = make_generator(seed, "randint").integers(minval, maxval, _shape(shape, "randint"))
    return Tensor(values.astype(dtype))


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a random order."""
    array = np.asarray(x.data if isinstance(x, Tensor) else x)
    order = make_generator(seed, "shuffle").permutation(array.shape[axis])
    return Tensor(np.take(array, order, axis=axis))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (batch, classes), drawn from softmax(logits)."""
    logits = np.asarray(logits.data if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits.shape={logits.shape}"
        )
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    generator = make_generator(seed, "categorical")
    draws = np.stack([generator.choice(logits.shape[1], size=int(num_samples), p=row) for row in probabilities])
    return Tensor(draws.astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each value with probability `rate` and scale the rest by 1 / (1 - rate)."""
    return _dropout(inputs, rate, noise_shape=noise_shape, seed=make_generator(seed, "dropout"))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(alpha, 1)."""
    dtype = _float_dtype(dtype, "gamma")
    return Tensor(make_generator(seed, "gamma").gamma(alpha, 1.0, _shape(shape, "gamma")).astype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(alpha, beta)."""
    dtype = _float_dtype(dtype, "beta")
    return Tensor(make_generator(seed, "beta").beta(alpha, beta, _shape(shape, "beta")).astype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from Binomial(counts, probabilities), as floats (Keras' default dtype)."""
    dtype = _float_dtype(dtype, "binomial")
    draws = make_generator(seed, "binomial").binomial(counts, probabilities, _shape(shape, "binomial"))
    return Tensor(draws.astype(dtype))


__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "shuffle", "categorical",
           "dropout", "gamma", "beta", "binomial"]
