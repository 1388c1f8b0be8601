"""fit, evaluate and predict under `mpiexec -n 1/2/3/4` give what one process gives -- the same
weights and predictions bit for bit, the logged losses and metrics to 1e-12 (float64) -- the
same on every rank; rank 0 alone writes the checkpoint and the CSV log and prints
the progress (strided.models.replica, strided.models.distributed_loop)."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")
TIMEOUT = 120  # seconds for one job; a hang fails the test instead of blocking the suite

pytestmark = pytest.mark.skipif(shutil.which("mpiexec") is None, reason="needs an MPI launcher (mpiexec)")


def run(script, ranks, *args, environment=None):
    """Run `script` alone (ranks=None) or under `mpiexec -n ranks`; the finished process."""
    command = [sys.executable, os.path.join(SCRIPTS, script), *map(str, args)]
    if ranks is not None:
        command = ["mpiexec", "-n", str(ranks)] + command
    env = {**os.environ, "STRIDED_DISTRIBUTED_TIMEOUT": "20", **(environment or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("alone")
    done = run("fit_same_answer.py", None, out)
    assert done.returncode == 0, done.stderr
    return out, dict(np.load(out / "rank0.npz"))


@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_every_rank_ends_with_one_processs_weights_logs_and_outputs(ranks, reference, tmp_path):
    alone_dir, alone = reference
    done = run("fit_same_answer.py", ranks, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(ranks)]
    assert sorted(results[0]) == sorted(alone)
    for got in results:
        for name, want in alone.items():
            assert got[name].shape == want.shape, name
            if "history" in name or "evaluated" in name:  # logs: each rank's part of a loss, added
                np.testing.assert_allclose(got[name], want, rtol=0, atol=1e-12, err_msg=name)
            else:  # weights and predictions
                assert np.array_equal(got[name], want), (name, np.abs(got[name] - want).max())
    for got in results[1:]:  # replicated: the same bits on every rank
        for name in alone:
            assert np.array_equal(got[name], results[0][name]), name
    # rank 0 alone prints the progress and writes the files
    assert done.stdout.count("Epoch 1/3") == 1
    assert done.stdout.count("Epoch 3/3") == 1
    assert (tmp_path / "log.csv").read_text() .count("\n") == 4  # header + 3 epochs
    assert (tmp_path / "best.weights.h5").exists()
    assert _csv_values(tmp_path / "log.csv") == pytest.approx(_csv_values(alone_dir / "log.csv"), abs=1e-12)
    # each rank's kernels share the machine's cores during fit; the setting is back afterwards
    for rank in range(ranks):  # (all ranks on this machine)
        during, after, cores = (int(v) for v in (tmp_path / f"threads{rank}.txt").read_text().split())
        assert (during, after) == (max(1, cores // ranks), cores)


def _csv_values(path):
    rows = path.read_text().strip().splitlines()[1:]
    return [float(v) for row in rows for v in row.split(",")]


@pytest.mark.parametrize("ranks", [2, 3])
def test_sums_overlapping_the_backward_pass_give_the_same_bits(ranks, reference, tmp_path):
    """STRIDED_DISTRIBUTED_OVERLAP=1: each bucket of gradients is summed while the backward pass
    makes the others (on one machine "auto" would not); the weights and predictions are still
    one process's, bit for bit."""
    _, alone = reference
    done = run("fit_same_answer.py", ranks, tmp_path, environment={"STRIDED_DISTRIBUTED_OVERLAP": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    got = dict(np.load(tmp_path / "rank0.npz"))
    for name, want in alone.items():
        if "history" not in name and "evaluated" not in name:
            assert np.array_equal(got[name], want), name
