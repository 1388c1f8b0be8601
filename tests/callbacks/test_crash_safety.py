"""Crash safety: a training process killed with SIGKILL at random moments, again and again,
while it writes checkpoints (ModelCheckpoint to .keras, .weights.h5 and .weights.npz every few
steps) and BackupAndRestore backups (every step). After every kill each checkpoint file loads;
restarted each time, the run ends with the same weights, bit for bit, as a run never killed;
and no temporary file is left."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from strided import layers
from strided.models import Sequential, load_model
from strided.utils import clear_session


@pytest.fixture(autouse=True)
def fresh_names():
    """Automatic names start again after each test (other files name a model "sequential")."""
    yield
    clear_session()


TRAINING = r'''
import os, sys
import numpy as np
import strided
from strided import callbacks, layers
from strided.models import Sequential

folder = sys.argv[1]
strided.utils.set_random_seed(3)
rng = np.random.default_rng(0)
y = rng.integers(0, 3, 160)
x = rng.normal(size=(160, 6, 6, 1)).astype("float32")
x[:, 1:4, 1:4, 0] += y[:, None, None]
model = Sequential([layers.Input((6, 6, 1)), layers.Conv2D(4, 3, activation="relu"),
                    layers.BatchNormalization(), layers.Flatten(), layers.Dropout(0.3),
                    layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")


class Started(callbacks.Callback):
    def on_train_begin(self, logs=None):
        print("training", flush=True)


path = lambda name: os.path.join(folder, name)
model.fit(x, y, batch_size=16, epochs=4, shuffle=True, verbose=0, callbacks=[
    callbacks.BackupAndRestore(path("backup"), save_freq=1),
    callbacks.ModelCheckpoint(path("ckpt.keras"), save_freq=1),
    callbacks.ModelCheckpoint(path("ckpt.weights.h5"), save_weights_only=True, save_freq=2),
    callbacks.ModelCheckpoint(path("ckpt.weights.npz"), save_weights_only=True, save_freq=3),
    Started()])
np.savez(path("final.npz"), *model.get_weights())
'''


def start(script, folder):
    return subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def final_weights(folder):
    with np.load(folder / "final.npz") as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def same_architecture():
    return Sequential([layers.Input((6, 6, 1)), layers.Conv2D(4, 3, activation="relu"),
                       layers.BatchNormalization(), layers.Flatten(), layers.Dropout(0.3),
                       layers.Dense(3, activation="softmax")])


def check_every_checkpoint_loads(folder):
    """Load each checkpoint there is; returns how many were loaded."""
    loaded = 0
    if (folder / "ckpt.keras").exists():
        assert len(load_model(folder / "ckpt.keras").get_weights()) == 8
        loaded += 1
    for name in ("ckpt.weights.h5", "ckpt.weights.npz"):
        if (folder / name).exists():
            same_architecture().load_weights(folder / name)
            loaded += 1
    if (folder / "backup" / "backup.npz").exists():
        with np.load(folder / "backup" / "backup.npz", allow_pickle=False) as backup:
            assert "metadata" in backup.files and "weight.0" in backup.files
        loaded += 1
    return loaded


def test_killed_at_random_moments_every_checkpoint_loads_and_the_run_ends_the_same(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAINING)
    reference = tmp_path / "reference"
    reference.mkdir()
    process = start(script, reference)
    process.stdout.readline()  # "training"
    began = time.perf_counter()
    assert process.wait(timeout=120) == 0, process.stderr.read()
    training_time = time.perf_counter() - began  # each run is killed within a quarter of it
    expected = final_weights(reference)

    killed_run = tmp_path / "killed"
    killed_run.mkdir()
    chooser = random.Random(1234)
    kills = loads = left_mid_save = 0
    for _ in range(40):
        process = start(script, killed_run)
        process.stdout.readline()  # "training": fit has begun
        time.sleep(chooser.uniform(0.0, training_time / 4))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
            left_mid_save += len(list(killed_run.rglob("*.tmp")))  # killed while writing
            loads += check_every_checkpoint_loads(killed_run)
            if kills >= 12:
                break
        else:
            assert process.returncode == 0, process.stderr.read()
            break
    process = start(script, killed_run)  # the run to its end
    assert process.wait(timeout=120) == 0, process.stderr.read()
    print(f"crash safety: {kills} kills ({left_mid_save} temporaries left by kills during a save), "
          f"{loads} checkpoint loads, 0 failures")
    assert kills >= 3
    for got, want in zip(final_weights(killed_run), expected):
        assert np.array_equal(got, want)
    assert check_every_checkpoint_loads(killed_run) == 3  # the backup is gone: the run finished
    assert [p.name for p in killed_run.rglob("*.tmp")] == []
