"""A save removes the temporary files that killed saves of the same target left behind
(`.<name>.<pid>.<random>.tmp`), and keeps those of a process still writing and of other targets."""

import subprocess
import sys

import numpy as np
import pytest

from strided import callbacks, layers
from strided.models import Sequential, load_model
from strided.saving.atomic import atomic_write
from strided.utils import clear_session


@pytest.fixture(autouse=True)
def fresh_names():
    """Automatic names start again after each test (other files name a model "sequential")."""
    yield
    clear_session()


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_the_target_are_removed_on_the_next_save(tmp_path):
    target = tmp_path / "ckpt.keras"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stale = [tmp_path / f".ckpt.keras.{dead_pid()}.a1b2c3d4.tmp",  # a killed process's
                 tmp_path / ".ckpt.keras.x9y8z7w6.tmp"]                 # older naming, no pid
        kept = [tmp_path / f".ckpt.keras.{live.pid}.q1w2e3r4.tmp",     # a running process's
                tmp_path / f".ckpt.keras.bak.{dead_pid()}.a1b2c3d4.tmp",  # another target's
                tmp_path / "notes.tmp"]
        for path in stale + kept:
            path.write_bytes(b"x" * 1000)
        model = Sequential([layers.Input((3,)), layers.Dense(2)])
        model.save(target)
        assert [p.exists() for p in stale] == [False, False]
        assert all(p.exists() for p in kept)
        assert load_model(target).get_weights()[0].shape == (3, 2)
    finally:
        live.kill()
        live.wait()


def test_a_checkpoint_killed_mid_save_leaves_nothing_after_the_next_save(tmp_path):
    """A child writing a checkpoint is killed (SIGKILL) inside the atomic write; the next
    ModelCheckpoint save of the same file removes what it left."""
    target = tmp_path / "model.weights.npz"
    script = (
        "import os, signal, sys\n"
        "from strided.saving.atomic import atomic_write\n"
        "with atomic_write(sys.argv[1]) as handle:\n"
        "    handle.write(b'half a file')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(target)], check=False)
    assert len(list(tmp_path.glob(".model.weights.npz.*.tmp"))) == 1
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(target), save_weights_only=True)])
    assert list(tmp_path.glob("*.tmp")) == [] and target.exists()


def test_a_save_in_progress_in_this_process_is_not_taken_for_stale(tmp_path):
    target = tmp_path / "a.bin"
    with atomic_write(target) as outer:
        outer.write(b"outer")
        with atomic_write(tmp_path / "b.bin") as other:
            other.write(b"other")
        writing = list(tmp_path.glob(".a.bin.*.tmp"))
        assert len(writing) == 1
    assert target.read_bytes() == b"outer"
