"""`strided train` owns its process, so its fit trains on forked processes (one per thread),
where a program's own fit uses threads unless it asks; a setting the user made is kept."""

import numpy as np

import strided
from strided import _config, layers
from strided.cli._training import processes_of_this_command
from strided.models import Sequential, data_parallel, forked


def train_once():
    model = Sequential([layers.Input((6,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(1024, 6)).astype("float32")
    model.fit(x, np.zeros((1024, 2), "float32"), batch_size=64, epochs=1, verbose=0)
    return data_parallel.last_epoch()["processes"]


def test_the_command_forks_and_restores_the_setting():
    threads, before = _config.thread_setting(), _config.data_parallel_setting()
    strided.set_num_threads(2)
    try:
        strided.set_data_parallel("auto")
        assert not forked.usable()
        with processes_of_this_command():
            assert forked.usable()
            assert train_once() == 2
        assert _config.data_parallel_setting() == "auto" and train_once() == 1
        strided.set_data_parallel(False)  # the user's choice wins
        with processes_of_this_command():
            assert train_once() == 1
        assert _config.data_parallel_setting() is False
    finally:
        strided.set_data_parallel(before)
        _config.restore_thread_setting(threads)
