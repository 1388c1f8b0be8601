"""fit under `mpiexec`: a rank that raises ends the job with its error on every rank; a rank
stopped (SIGSTOP) in fit or predict ends the job after the collective timeout with an error
naming it, and a killed one ends it at once; a run that cannot be split says why once and
still trains as one process does; a stop seen by rank 0 alone stops every rank after the same
step; BackupAndRestore resumes a crashed job (scripts/fit_cases.py)."""

import time

import numpy as np
import pytest
from test_fit_same_answer import pytestmark, run  # noqa: F401  (the same launcher and skip)


def weights(path):
    with np.load(path) as saved:
        return [saved[name] for name in saved.files if name != "epochs"]


def test_a_rank_that_raises_ends_the_job_with_its_error_on_every_rank(tmp_path):
    done = run("fit_cases.py", 2, "raises", tmp_path)
    assert done.returncode != 0
    for rank in (0, 1):  # rank 0 waited in a collective operation: it raises rank 1's error
        assert f"rank {rank} caught ValueError: boom on rank 1" in done.stdout
    assert "raised on rank 1 of 2" in done.stderr
    assert not list(tmp_path.glob("*.npz"))


@pytest.mark.parametrize("case, operation", [("stopped", "allreduce_sum"), ("predict-stopped", "allgather")])
def test_a_stopped_rank_ends_the_job_within_the_timeout_naming_it(tmp_path, case, operation):
    began = time.monotonic()
    done = run("fit_cases.py", 2, case, tmp_path, environment={"STRIDED_DISTRIBUTED_TIMEOUT": "3"})
    assert done.returncode != 0
    assert time.monotonic() - began < 60  # bounded: the timeout, not a hang (run() allows 120 s)
    assert "rank 0 caught DistributedTimeoutError" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"{operation} (collective operation" in done.stdout
    assert "on rank 0 of 2 waited 3.0 s, the timeout, and rank 1 had not arrived" in done.stdout
    assert "rank 0 ends the job with MPI_Abort: rank 1 did not answer" in done.stderr


def test_a_killed_rank_ends_the_job(tmp_path):
    done = run("fit_cases.py", 2, "killed", tmp_path, environment={"STRIDED_DISTRIBUTED_TIMEOUT": "3"})
    assert done.returncode != 0
    assert "signal 9" in done.stdout + done.stderr or "EXIT CODE: 9" in done.stdout + done.stderr
    assert not list(tmp_path.glob("*.npz"))


def test_a_run_that_cannot_be_split_says_why_once_and_trains_as_one_process(tmp_path):
    alone = run("fit_cases.py", None, "not-split", tmp_path)
    assert alone.returncode == 0, alone.stderr
    (tmp_path / "not-split-rank0.npz").rename(tmp_path / "alone.npz")
    done = run("fit_cases.py", 2, "not-split", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("not data-parallel") == 1
    assert "reduction='sum'" in done.stdout
    assert "not data-parallel" not in alone.stdout  # one process: nothing to say
    want = weights(tmp_path / "alone.npz")
    for rank in (0, 1):  # every batch whole on every rank: one process's computation exactly
        for got, expected in zip(weights(tmp_path / f"not-split-rank{rank}.npz"), want):
            assert np.array_equal(got, expected)


def test_backup_and_restore_resumes_a_crashed_job_to_the_uninterrupted_weights(tmp_path):
    crashed = run("fit_cases.py", 3, "interrupted", tmp_path)
    assert crashed.returncode != 0
    assert (tmp_path / "backup" / "backup.npz").exists()  # written by rank 0
    resumed = run("fit_cases.py", 3, "resumed", tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    whole = run("fit_cases.py", None, "whole", tmp_path)
    assert whole.returncode == 0, whole.stderr
    want = weights(tmp_path / "whole-rank0.npz")
    for rank in range(3):
        for got, expected in zip(weights(tmp_path / f"resumed-rank{rank}.npz"), want):
            assert np.array_equal(got, expected)  # bit for bit (the batch halving tree)
    assert not (tmp_path / "backup").exists()  # deleted by rank 0 after the finished run


def test_a_stop_that_rank_0_alone_sees_stops_every_rank_after_the_same_step(tmp_path):
    alone = run("fit_cases.py", None, "rank0-stops", tmp_path)
    assert alone.returncode == 0, alone.stderr
    (tmp_path / "rank0-stops-rank0.npz").rename(tmp_path / "alone.npz")
    done = run("fit_cases.py", 2, "rank0-stops", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    want = weights(tmp_path / "alone.npz")
    for rank in (0, 1):
        path = tmp_path / f"rank0-stops-rank{rank}.npz"
        assert int(np.load(path)["epochs"]) == 2  # stopped in the second epoch, as alone
        for got, expected in zip(weights(path), want):
            assert np.array_equal(got, expected)  # bit for bit (the batch halving tree)
