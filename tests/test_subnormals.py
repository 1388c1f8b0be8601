"""Subnormal floats flushed to zero during training steps (strided._subnormals)."""

import threading
import time

import numpy as np
import pytest

import strided
from strided import _config, _subnormals
from strided.kernels import parallel

SUBNORMAL = np.float32(1e-39)  # below float32's smallest normal, 1.18e-38
FLUSHES = _subnormals.supported()  # x86-64 Linux; elsewhere `flushing` changes nothing


@pytest.fixture
def two_threads():
    before = _config._NUM_THREADS
    _config.set_num_threads(2)
    yield
    _config._NUM_THREADS = before


@pytest.fixture
def flush_setting():
    before = _config.flush_denormal()
    yield
    _config._FLUSH_DENORMAL = before


def _product():
    return np.array([SUBNORMAL], np.float32) * np.float32(0.5)


def test_the_machine_this_suite_runs_on_supports_it():
    import platform
    import sys

    expected = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
    assert FLUSHES == expected


def test_flushing_makes_subnormal_results_zero_and_restores_the_mode():
    assert _product()[0] == SUBNORMAL * np.float32(0.5) != 0  # the normal IEEE mode
    with _subnormals.flushing():
        assert _subnormals.active() == FLUSHES
        inside = _product()[0]
        read_as_zero = (np.array([SUBNORMAL]) + np.float32(0))[0]
    assert (inside == 0) == FLUSHES and (read_as_zero == 0) == FLUSHES
    assert _product()[0] != 0 and not _subnormals.active()


def test_flushing_nested_keeps_the_outer_mode():
    with _subnormals.flushing():
        with _subnormals.flushing():
            pass
        assert (_product()[0] == 0) == FLUSHES  # the inner block did not restore too early
    assert _product()[0] != 0


def test_set_flush_denormal_false_turns_it_off(flush_setting):
    assert strided.set_flush_denormal(False) == FLUSHES
    assert not strided.flush_denormal()
    with _subnormals.flushing():
        assert _product()[0] != 0 and not _subnormals.active()


def test_kernel_threads_flush_when_the_caller_does(two_threads):
    """Every chunk, whichever thread runs it, computes in the mode of the thread that started
    the region: results do not depend on the number of threads. The pool is started afresh
    from inside `flushing`, and its threads must not keep the mode they inherit."""
    parallel._forget_pool_after_fork()
    values = np.full((64, 1000), SUBNORMAL, np.float32)
    threads = set()

    def halve(out):
        def work(start, stop, scratch):
            threads.add(threading.get_ident())
            time.sleep(0.001)  # every thread gets chunks
            np.multiply(values[start:stop], np.float32(0.5), out=out[start:stop])
        parallel.for_each_chunk(work, len(values), 1)
        return out

    with _subnormals.flushing():
        flushed = halve(np.empty_like(values))
    plain = halve(np.empty_like(values))
    assert len(threads) == 2
    assert (flushed == (0 if FLUSHES else SUBNORMAL * np.float32(0.5))).all()
    assert (plain == SUBNORMAL * np.float32(0.5)).all()


def test_fit_trains_with_flushing_and_leaves_the_mode_as_it_was():
    seen = []

    class Probe(strided.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):  # callbacks run in the user's mode
            seen.append(_subnormals.active())

    strided.utils.set_random_seed(0)
    model = strided.Sequential([strided.layers.Input((4,)), strided.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    steps = []
    original = model.train_step

    def train_step(data):
        steps.append((_subnormals.active(), _product()[0] == 0))
        return original(data)

    model.train_step = train_step
    model.fit(np.ones((8, 4), np.float32), np.zeros((8, 2), np.float32), batch_size=4,
              epochs=1, verbose=0, callbacks=[Probe()])
    assert steps == [(FLUSHES, FLUSHES)] * 2
    assert seen == [False, False]
    assert _product()[0] != 0
