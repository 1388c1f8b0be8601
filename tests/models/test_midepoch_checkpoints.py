"""Checkpoints saved in the middle of an epoch load (issue: the trainer's cached variables were
saved as extra root variables, and no such checkpoint could ever be loaded). Under `mpiexec`,
rank 0's mid-epoch checkpoint is tests/distributed/test_fit_same_bits.py."""

import numpy as np
import pytest

import strided
from strided import callbacks, layers
from strided.models import Sequential, load_model


@pytest.fixture(autouse=True)
def two_threads():
    threads = strided._config.thread_setting()
    strided.set_num_threads(2)
    yield
    strided._config.restore_thread_setting(threads)


def small_model():
    return Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"),
                       layers.Dense(3, activation="softmax")])


def data(n=320):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 3, n)


def saved_by(kind, path, save_freq):
    if kind == "checkpoint":
        return callbacks.ModelCheckpoint(path, save_freq=save_freq,
                                         save_weights_only=not path.endswith(".keras"))

    def save(batch, logs):
        if (batch + 1) % save_freq == 0:
            model = holder["model"]
            model.save(path) if path.endswith(".keras") else model.save_weights(path)

    holder = {}
    callback = callbacks.LambdaCallback(on_train_batch_end=save)
    callback.holder = holder
    return callback


VARIANTS = [("checkpoint", suffix, freq) for suffix in (".keras", ".weights.npz", ".weights.h5") for freq in (1, 3)]
VARIANTS += [("lambda", ".keras", 1), ("lambda", ".weights.npz", 3)]


@pytest.mark.parametrize("kind,suffix,save_freq", VARIANTS)
def test_checkpoint_saved_between_batches_loads(tmp_path, kind, suffix, save_freq):
    strided.utils.set_random_seed(1)
    x, y = data()
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    path = str(tmp_path / f"ckpt{suffix}")
    callback = saved_by(kind, path, save_freq)
    if kind == "lambda":
        callback.holder["model"] = model
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False, callbacks=[callback])
    if suffix == ".keras":
        restored = load_model(path)
    else:
        restored = small_model()
        restored.load_weights(path)
    assert len(restored.get_weights()) == len(model.get_weights()) == 4
    # 10 steps: every save_freq'th step saved; with save_freq=1 the last save is the end state
    if save_freq == 1:
        for got, want in zip(restored.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(got, want)
