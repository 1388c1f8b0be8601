"""set_random_seed seeds Python, NumPy and strided's generator; make_rng derives from it."""

import random

import numpy as np
import pytest

from strided.utils import get_rng, make_rng, set_random_seed


def draws():
    return random.random(), np.random.rand(), get_rng().random(), make_rng().random()


def test_same_seed_same_draws_everywhere():
    set_random_seed(123)
    first = draws()
    set_random_seed(123)
    assert draws() == first
    set_random_seed(124)
    assert all(a != b for a, b in zip(draws(), first))


def test_get_rng_is_replaced_by_set_random_seed():
    before = get_rng()
    set_random_seed(1)
    assert get_rng() is not before
    assert isinstance(get_rng(), np.random.Generator)


def test_make_rng_with_explicit_seed_is_independent_of_global_state():
    set_random_seed(1)
    a = make_rng(5).integers(1000, size=4)
    set_random_seed(2)
    b = make_rng(5).integers(1000, size=4)
    np.testing.assert_array_equal(a, b)
    generator = np.random.default_rng(0)
    assert make_rng(generator) is generator


def test_large_seed_is_accepted():
    set_random_seed(2**40)
    assert 0 <= np.random.rand() < 1


@pytest.mark.parametrize("bad", [-1, 1.5, "7", None, True])
def test_invalid_seed(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        set_random_seed(bad)


def test_get_state_and_set_state_restore_every_generator():
    import json

    from strided.utils.random import get_state, set_state

    set_random_seed(5)
    state = json.loads(json.dumps(get_state()))  # JSON-serialisable (BackupAndRestore)
    first = draws()
    set_random_seed(99)
    set_state(state)
    assert draws() == first
