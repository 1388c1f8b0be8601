"""The steps of one epoch of fit: which samples each step trains on, and where they stand.

A step is (step number, positions, batch): `positions` are the batch's rows' places in the
epoch (step * batch_size + row for arrays, a running count for generators). Dropout, noise and
augmentation draw each sample's randomness from them (`strided.utils.keyed_random`), and the
arrays' order is keyed by (the run's seed, the epoch), so an epoch can start at any step — a run
resumed by `BackupAndRestore` — and train on what the uninterrupted run trained on there.
"""

import contextlib
import itertools

import numpy as np

from strided.models import data_adapter
from strided.utils import random as strided_random


def is_arrays(train):
    return type(train) is data_adapter.ArrayAdapter


def array_positions(train, step, length):
    """The epoch positions of the `length` rows of step `step` of an ArrayAdapter."""
    start = step * train.batch_size
    return np.arange(start, start + length)


def epoch_steps(train, seed, epoch, first_step=0):
    """Yield (step, positions, batch) for the epoch, from `first_step` on."""
    if is_arrays(train):
        plan = train.epoch_plan(seed=seed, epoch=epoch)
        for step in range(first_step, len(plan)):
            index = plan[step]
            yield step, array_positions(train, step, train.batch_length(index)), train.take(index)
        return
    position = 0
    for step, batch in enumerate(train.batches()):
        length = _length(batch[0])
        if step >= first_step:  # a resumed epoch: the batches before it are drawn and passed
            yield step, np.arange(position, position + length), batch
        position += length


def _length(x):
    for leaf in itertools.chain([x] if not isinstance(x, (list, tuple, dict)) else
                                (x.values() if isinstance(x, dict) else x)):
        if np.ndim(leaf):
            return len(leaf)
    return 1


def keyed(seed, epoch, step, positions):
    """The block's random draws keyed by the samples at `positions` (None seed: as they come)."""
    if seed is None:
        return contextlib.nullcontext()
    return strided_random.training_step(seed, epoch, step, positions)


__all__ = ["epoch_steps", "array_positions", "keyed", "is_arrays"]
