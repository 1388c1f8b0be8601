"""Utilities with Keras' `keras.utils` names: seeding and session reset."""

from strided._naming import clear_session
from strided.utils.random import get_rng, make_rng, set_random_seed

__all__ = ["set_random_seed", "get_rng", "make_rng", "clear_session"]
