"""Seeding: one call makes every random draw in strided repeat (Keras' `set_random_seed`).

strided keeps its own NumPy `Generator` for weight initialisation, dropout masks and
shuffling, so that user code drawing from `np.random` does not shift strided's draws.
`set_random_seed(seed)` reseeds that generator *and* Python's `random` and NumPy's global
RNG, as Keras does, so two runs started with the same seed are bit-identical.

Other modules draw through `get_rng()` (the shared generator) or `make_rng(seed)` (a
private generator: seeded when `seed` is given, else derived from the shared one).
"""

import random as _python_random

import numpy as np

_generator = np.random.default_rng()


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global RNG and strided's own generator.

    Args:
        seed: a non-negative int.

    Example:
        >>> from strided.utils import set_random_seed
        >>> set_random_seed(42)    # every initializer, Dropout and shuffle now repeats
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"set_random_seed: expected a non-negative int seed. Received: seed={seed!r}"
        )
    seed = int(seed)
    _python_random.seed(seed)
    np.random.seed(seed % 2**32)
    _generator = np.random.default_rng(seed)


def get_rng():
    """The shared `np.random.Generator` used by initializers, dropout and shuffling.

    Always call this at draw time (do not keep the result): `set_random_seed` replaces it.
    """
    return _generator


def make_rng(seed=None):
    """A `np.random.Generator`: from `seed` when given, else drawn from the shared generator.

    Layers and initializers with a `seed=` argument use this, so `seed=None` still follows
    `set_random_seed`.

    >>> make_rng(3).integers(10) == make_rng(3).integers(10)
    True
    """
    if seed is None:
        return np.random.default_rng(_generator.integers(0, 2**63 - 1))
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(int(seed))


__all__ = ["set_random_seed", "get_rng", "make_rng"]
