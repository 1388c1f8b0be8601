"""Seeding: one call makes every random draw in strided repeat (Keras' `set_random_seed`).

strided keeps its own NumPy `Generator` for weight initialisation, dropout masks and
shuffling, so that user code drawing from `np.random` does not shift strided's draws.
`set_random_seed(seed)` reseeds that generator *and* Python's `random` and NumPy's global
RNG, as Keras does, so two runs started with the same seed are bit-identical.

Other modules draw through `get_rng()` (the shared generator) or `make_rng(seed)` (a
private generator: seeded when `seed` is given, else derived from the shared one).

During a training step of `fit`, `get_rng()` is that step's `SampleKeyedGenerator`
(`utils.keyed_random`): dropout, noise and augmentation draw each sample's values from a stream
keyed by (the run's seed, epoch, sample), so a run gives the same weights on 1 or 2 processes
and a run resumed at any step continues as the uninterrupted one (`training_step`).
"""

import contextlib
import random as _python_random

import numpy as np

from strided.utils.keyed_random import SampleKeyedGenerator, epoch_permutation

_generator = np.random.default_rng()
_step_generator = None  # the SampleKeyedGenerator of the training step running now


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
    """The shared `np.random.Generator` used by initializers, dropout and shuffling (inside a
    training step of fit: the step's `SampleKeyedGenerator`, see the module).

    Always call this at draw time (do not keep the result): `set_random_seed` replaces it.
    """
    return _generator if _step_generator is None else _step_generator


def step_rng():
    """The running training step's `SampleKeyedGenerator`, or None outside one."""
    return _step_generator


def new_training_seed():
    """A seed for one `fit` run's keyed draws, taken from the shared generator (so it follows
    `set_random_seed`)."""
    return int(_generator.integers(0, 2**63 - 1))


@contextlib.contextmanager
def training_step(seed, epoch, step, positions):
    """Within the block, `get_rng()` draws sample by sample for the rows at `positions` (their
    places in the epoch) of step `step` of `epoch` (see `utils.keyed_random`)."""
    global _step_generator
    outer = _step_generator
    _step_generator = SampleKeyedGenerator(seed, epoch, step, positions)
    try:
        yield _step_generator
    finally:
        _step_generator = outer


def get_state():
    """Every random state outside a training step: Python's, NumPy's global and strided's
    shared generator (for `BackupAndRestore`), as JSON-serialisable values."""
    python_state = _python_random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    return {
        "python": [python_state[0], list(python_state[1]), python_state[2]],
        "numpy": _jsonable(numpy_state),
        "strided": _jsonable(_generator.bit_generator.state),
    }


def set_state(state):
    """Restore what `get_state()` returned."""
    global _generator
    version, internal, gauss = state["python"]
    _python_random.setstate((version, tuple(internal), gauss))
    np.random.set_state(_from_jsonable(state["numpy"]))
    bit_generator = getattr(np.random, state["strided"]["bit_generator"])()
    bit_generator.state = _from_jsonable(state["strided"])
    _generator = np.random.Generator(bit_generator)


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_jsonable(value):
    if isinstance(value, dict):
        if "__array__" in value:
            return np.array(value["__array__"], dtype=value["dtype"])
        return {key: _from_jsonable(item) for key, item in value.items()}
    return value


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


__all__ = ["set_random_seed", "get_rng", "make_rng", "new_training_seed", "training_step", "step_rng",
           "epoch_permutation", "get_state", "set_state"]
