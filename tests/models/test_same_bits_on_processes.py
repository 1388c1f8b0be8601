"""A seeded fit on two forked processes ends with one process's weights bit for bit (float32 and
float64; Conv2D, BatchNormalization, pooling, Dropout, an L2 regularizer, Dense): every sum over
a batch is added along the batch's halving tree, and each process computes one subtree
(`kernels.parallel`, `models.replica`)."""

import contextlib

import numpy as np
import pytest

import strided
from strided import _config, layers
from strided.models import Sequential, data_parallel
from strided.utils import set_random_seed

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork (Linux)")


@contextlib.contextmanager
def settings(dtype, processes):
    """floatx, the forked backend on or off, and two threads (one forked process per thread)."""
    floatx, parallel, threads = strided.floatx(), _config.data_parallel_setting(), _config.num_threads()
    strided.set_floatx(dtype)
    strided.set_data_parallel(processes > 1)
    strided.set_num_threads(2)
    try:
        yield
    finally:
        strided.set_floatx(floatx)
        strided.set_data_parallel(parallel)
        strided.set_num_threads(threads)


def seeded_fit(dtype, processes):
    with settings(dtype, processes):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(600, 10, 10, 2)).astype(dtype)
        y = rng.integers(0, 3, 600)
        set_random_seed(1)
        model = Sequential([
            layers.Input((10, 10, 2)),
            layers.Conv2D(6, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(12, activation="relu", kernel_regularizer="l2"),
            layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=44, epochs=2, verbose=0)  # 14 steps, the last of 28 rows
        assert data_parallel.last_epoch()["processes"] == processes
        return model.get_weights()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_two_processes_end_with_one_processs_weights_bit_for_bit(dtype):
    alone = seeded_fit(dtype, 1)
    shared = seeded_fit(dtype, 2)
    for one, two in zip(alone, shared):
        assert one.dtype == np.dtype(dtype)
        assert np.array_equal(one, two), float(np.abs(one - two).max())
