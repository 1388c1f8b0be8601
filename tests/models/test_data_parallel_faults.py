"""Faults in data-parallel fit() and predict() never hang: a helper stopped with SIGSTOP (or
deadlocked) ends the call within the timeout, with an error naming it, and nothing is left
behind (no process; the shared memory is anonymous and goes with them)."""

import os
import signal
import sys
import time

import numpy as np
import pytest

import strided
from strided import layers
from strided.models import Model, forked

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")),
                                reason="data-parallel training forks (Linux)")


@pytest.fixture(autouse=True)
def two_processes_short_timeout():
    threads, enabled, timeout = strided._config.thread_setting(), strided._config.data_parallel_setting(), forked._timeout[0]
    strided.set_num_threads(2)
    strided.set_data_parallel(True)
    forked.set_helper_timeout(1.5)
    yield
    forked.set_helper_timeout(timeout)
    strided.set_data_parallel(enabled)
    strided._config.restore_thread_setting(threads)


def stopping_model(parent, when):
    """A model whose helper processes stop themselves (SIGSTOP) when `when()` is true."""
    def maybe_stop(t):
        if os.getpid() != parent and when():
            os.kill(os.getpid(), signal.SIGSTOP)
        return t

    inputs = layers.Input((6,))
    hidden = layers.Lambda(maybe_stop)(inputs)
    return Model(inputs, layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(hidden)))


def data(n):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 3, n)


def no_child_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    return True


def test_a_stopped_helper_ends_fit_with_a_clear_error():
    calls = [0]

    def third_call():
        calls[0] += 1
        return calls[0] == 3

    model = stopping_model(os.getpid(), third_call)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = data(32 * 12)
    start = time.monotonic()
    with pytest.raises(forked.HelperTimeoutError, match=r"helper process 1 \(pid \d+\) did not answer for 1.5 s"):
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert time.monotonic() - start < 30  # bounded: not a hang
    assert no_child_left()
    assert strided.models.data_parallel.last_epoch()["processes"] == 2


def test_a_stopped_helper_ends_predict_with_a_clear_error():
    model = stopping_model(os.getpid(), lambda: True)
    x, _ = data(100)
    with pytest.raises(forked.HelperTimeoutError, match=r"predict\(\): helper process 1 \(pid \d+\) did not answer"):
        model.predict(x, batch_size=10, verbose=0)
    assert strided.models.parallel_predict.last_run()["processes"] == 2
    assert no_child_left()


def test_fit_and_predict_still_work_after_a_stalled_helper():
    model = stopping_model(os.getpid(), lambda: False)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = data(32 * 12)
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, batch_size=10, verbose=0).shape == (len(x), 3)
    assert no_child_left()


def test_the_timeout_is_checked_and_read_from_the_environment(monkeypatch):
    with pytest.raises(ValueError, match="positive number of seconds"):
        forked.set_helper_timeout(0)
    forked.set_helper_timeout(None)
    monkeypatch.setenv("STRIDED_HELPER_TIMEOUT", "4.5")
    assert forked.helper_timeout() == 4.5
    monkeypatch.setenv("STRIDED_HELPER_TIMEOUT", "soon")
    assert forked.helper_timeout() == forked.DEFAULT_TIMEOUT == 30
