"""Utilities with Keras' `keras.utils` names: seeding and session reset."""

from strided._naming import clear_session
from strided.utils.data_utils import normalize, split_dataset, to_categorical, train_val_split
from strided.utils.random import get_rng, make_rng, set_random_seed

__all__ = [
    "to_categorical", "normalize", "split_dataset", "train_val_split", "set_random_seed", "get_rng", "make_rng", "clear_session"]
