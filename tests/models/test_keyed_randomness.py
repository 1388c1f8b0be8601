"""Randomness in fit keyed by (seed, epoch, sample): dropout, noise and augmentation draw each
sample's values from its own stream, so the masks do not depend on how a batch is split over
processes, and shuffling is keyed by (seed, epoch). (That a seeded fit with dropout and batch
norm gives the same bits on 1 to 4 MPI ranks is tests/distributed/test_fit_same_answer.py.)"""

import numpy as np
import pytest

from strided import ops
from strided.models.data_adapter import ArrayAdapter
from strided.utils import random as strided_random
from strided.utils import set_random_seed
from strided.utils.keyed_random import SampleKeyedGenerator


def test_each_samples_draws_do_not_depend_on_the_rest_of_the_batch():
    x = np.ones((6, 5), np.float32)
    with strided_random.training_step(11, 2, 4, range(100, 106)):
        whole = ops.dropout(x, 0.5).data
        flips = strided_random.get_rng().random(6)
    parts = []
    for rows in (range(100, 103), range(103, 106)):
        with strided_random.training_step(11, 2, 4, rows):
            parts.append((ops.dropout(x[:3], 0.5).data, strided_random.get_rng().random(3)))
    assert np.array_equal(np.concatenate([p[0] for p in parts]), whole)
    assert np.array_equal(np.concatenate([p[1] for p in parts]), flips)


def test_draws_change_with_the_seed_epoch_sample_and_draw():
    def draw(seed, epoch, positions):
        return SampleKeyedGenerator(seed, epoch, 0, positions).random((2, 8))

    base = draw(1, 0, [0, 1])
    assert not np.array_equal(base[0], base[1])
    assert not np.array_equal(draw(2, 0, [0, 1]), base)
    assert not np.array_equal(draw(1, 1, [0, 1]), base)
    generator = SampleKeyedGenerator(1, 0, 0, [0, 1])
    first, second = generator.random((2, 8)), generator.random((2, 8))
    assert np.array_equal(first, base) and not np.array_equal(first, second)


def test_whole_batch_draws_are_the_steps_own():
    a = SampleKeyedGenerator(5, 1, 3, [0, 1, 2]).random(4)  # not one value per sample
    b = SampleKeyedGenerator(5, 1, 3, [7, 8]).random(4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, SampleKeyedGenerator(5, 1, 4, [0]).random(4))


def test_shuffling_is_keyed_by_seed_and_epoch():
    adapter = ArrayAdapter(np.arange(20), np.arange(20), batch_size=5, shuffle=True)
    first = np.concatenate(adapter.epoch_plan(seed=3, epoch=1))
    assert np.array_equal(first, np.concatenate(adapter.epoch_plan(seed=3, epoch=1)))
    assert sorted(first) == list(range(20))
    assert not np.array_equal(first, np.concatenate(adapter.epoch_plan(seed=3, epoch=2)))


def test_outside_fit_dropout_draws_as_before():
    set_random_seed(1)
    a = ops.dropout(np.ones((3, 4)), 0.5).data
    set_random_seed(1)
    assert np.array_equal(a, ops.dropout(np.ones((3, 4)), 0.5).data)
    assert strided_random.step_rng() is None


@pytest.mark.parametrize("values", [7, 3000])  # hashed value by value; a stream per row
def test_both_ways_of_drawing_rows_are_uniform_and_split_free(values):
    whole = SampleKeyedGenerator(9, 0, 0, range(40)).random((40, values), dtype=np.float32)
    half = SampleKeyedGenerator(9, 0, 0, range(20, 40)).random((20, values), dtype=np.float32)
    assert np.array_equal(whole[20:], half) and whole.dtype == np.float32
    assert 0 <= whole.min() and whole.max() < 1 and abs(whole.mean() - 0.5) < 0.05
    normal = SampleKeyedGenerator(9, 0, 0, range(40)).normal(1.0, 2.0, (40, values))
    assert abs(normal.mean() - 1.0) < 0.2 and abs(normal.std() - 2.0) < 0.2
    counts = np.bincount(SampleKeyedGenerator(9, 0, 0, range(4000)).integers(0, 4, 4000), minlength=4)
    assert counts.min() > 850


@pytest.mark.parametrize("values", [5, 3001])
def test_dropout_keep_masks_are_split_free_with_the_right_rate(values):
    whole = SampleKeyedGenerator(4, 1, 0, range(60)).keep_mask((60, values), 0.7)
    part = SampleKeyedGenerator(4, 1, 0, range(30, 60)).keep_mask((30, values), 0.7)
    assert whole.dtype == bool and np.array_equal(whole[30:], part)
    assert abs(whole.mean() - 0.7) < 0.05
    assert SampleKeyedGenerator(4, 1, 0, range(3)).keep_mask((3, 4), 1.0).all()
