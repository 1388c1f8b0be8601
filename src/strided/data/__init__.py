"""Batching: `strided.data.DataLoader` walks arrays in (shuffled, seeded, optionally augmented) mini-batches."""

from strided.data.loader import DataLoader
from strided.utils.dataset import (  # tf.data.AUTOTUNE / tf.data.Dataset (strided.keras)
    AUTOTUNE,
    Dataset,
)

__all__ = ["DataLoader", "AUTOTUNE", "Dataset"]
