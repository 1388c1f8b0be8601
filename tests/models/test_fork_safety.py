"""fit and predict fork helper processes only when the program asks (`set_data_parallel(True)`):
by default ("auto") they run in the calling process, on threads, whatever runs beside them
(forked processes were not measurably faster than MPI ranks: docs/distributed.md)."""

import os
import sys
import threading
import warnings

import numpy as np
import pytest

import strided
from strided import layers
from strided.models import Sequential, data_parallel, parallel_predict

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")),
                                reason="data-parallel training forks (Linux)")


@pytest.fixture(autouse=True)
def two_threads():
    threads, enabled = strided._config.thread_setting(), strided._config.data_parallel_setting()
    strided.set_num_threads(2)
    strided.set_data_parallel("auto")
    yield
    strided.set_data_parallel(enabled)
    strided._config.restore_thread_setting(threads)


def fit_and_predict_once():
    """(processes that trained the epoch, processes that predicted)."""
    model = Sequential([layers.Input((6,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(1024, 6)).astype("float32")
    model.fit(x, np.zeros((1024, 2), "float32"), batch_size=64, epochs=1, verbose=0)
    model.predict(x, batch_size=64, verbose=0)
    return data_parallel.last_epoch()["processes"], parallel_predict.last_run()["processes"]


def test_by_default_nothing_forks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_and_predict_once() == (1, 1)
    strided.set_data_parallel(False)
    assert fit_and_predict_once() == (1, 1)


def test_asking_for_processes_forks_despite_other_threads():
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="user-worker", daemon=False)
    worker.start()
    try:
        strided.set_data_parallel(True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert fit_and_predict_once() == (2, 2)
    finally:
        release.set()
        worker.join()
    with pytest.raises(ValueError, match="'auto', True or False"):
        strided.set_data_parallel("always")
