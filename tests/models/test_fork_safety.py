"""fit and predict fork helpers only where that is safe: with another Python thread running or
inside an IPython/Jupyter kernel they say why, once, and run on threads."""

import os
import sys
import threading
import types
import warnings

import numpy as np
import pytest

import strided
from strided import layers
from strided.models import Sequential, data_parallel, forked

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")),
                                reason="data-parallel training forks (Linux)")


@pytest.fixture(autouse=True)
def two_threads(monkeypatch):
    threads, enabled = strided._config.thread_setting(), strided._config.data_parallel_setting()
    strided.set_num_threads(2)
    strided.set_data_parallel("auto")
    monkeypatch.setattr(forked, "_warned", set())
    yield
    strided.set_data_parallel(enabled)
    strided._config.restore_thread_setting(threads)


def fit_once():
    model = Sequential([layers.Input((6,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(1024, 6)).astype("float32")
    model.fit(x, np.zeros((1024, 2), "float32"), batch_size=64, epochs=1, verbose=0)
    return data_parallel.last_epoch()["processes"]


def test_forks_when_nothing_else_runs():
    background = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
    background.start()                         # a library's daemon thread is not a hazard
    assert forked.fork_hazard() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_once() == 2


def test_another_thread_keeps_training_on_threads_and_says_so_once():
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="user-worker", daemon=False)
    worker.start()
    try:
        assert "user-worker" in forked.fork_hazard()
        with pytest.warns(RuntimeWarning, match="other threads are running.*user-worker"):
            assert fit_once() == 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # said once, not at every epoch or call
            assert fit_once() == 1
    finally:
        release.set()
        worker.join()
    assert fit_once() == 2


def test_asking_for_processes_forks_despite_other_threads():
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="user-worker", daemon=False)
    worker.start()
    try:
        strided.set_data_parallel(True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert fit_once() == 2
        strided.set_data_parallel(False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert fit_once() == 1
    finally:
        release.set()
        worker.join()
    with pytest.raises(ValueError, match="'auto', True or False"):
        strided.set_data_parallel("always")


def test_the_warning_points_at_the_programs_own_call():
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="user-worker", daemon=False)
    worker.start()
    try:
        with pytest.warns(RuntimeWarning) as record:
            fit_once()
        assert record[0].filename == __file__
    finally:
        release.set()
        worker.join()


def test_an_interactive_kernel_runs_on_threads(monkeypatch):
    shell = object()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    with pytest.warns(RuntimeWarning, match="interactive"):
        assert fit_once() == 1
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert fit_once() == 2
