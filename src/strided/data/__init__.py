"""Batching: `strided.data.DataLoader` walks arrays in (shuffled, seeded, optionally augmented) mini-batches."""

from strided.data.loader import DataLoader

__all__ = ["DataLoader"]
