"""`mpiexec -n 2 strided train ...` trains on both ranks and speaks once: rank 0 alone prints and
writes; an error is one line; the other ranks write nothing, even in a folder of their own.

The ranks are started in different working folders (Hydra's `-wdir`, as on machines without a
shared file system): whatever rank 1 wrote would appear in its own folder.
"""

import os
import shutil
import signal
import subprocess
import sys

import pytest

from strided.cli import _ranks

MPIEXEC = shutil.which("mpiexec")
TIMEOUT = 240  # seconds: a hung job fails the test instead of hanging the suite


def _strided(*argv):
    return [sys.executable, "-m", "strided", *argv]


def _two_ranks(folder_0, folder_1, *argv):
    """Run `strided argv` as 2 ranks, rank 0 in folder_0 and rank 1 in folder_1."""
    command = [MPIEXEC, "-n", "1", "-wdir", str(folder_0), *_strided(*argv), ":",
               "-n", "1", "-wdir", str(folder_1), *_strided(*argv)]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)


needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec is not installed (pip install mpich)")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return tmp_path_factory.mktemp("rank0"), tmp_path_factory.mktemp("rank1")


@needs_mpi
def test_train_on_two_ranks_prints_once_and_only_rank_0_writes(folders):
    rank0, rank1 = folders
    job = _two_ranks(rank0, rank1, "train", "--dataset", "fashion-mnist-sample", "--epochs", "1",
                     "--limit", "64", "--batch-size", "16", "--validation-split", "0",
                     "--verbose", "2", "--seed", "3")
    assert job.returncode == 0, job.stderr
    lines = job.stdout.splitlines()
    assert sum(line.startswith("Training fashion-cnn") for line in lines) == 1, job.stdout
    assert sum(line.startswith("Epoch 1/1") for line in lines) == 1, job.stdout
    assert sum(line.startswith("test accuracy") for line in lines) == 1, job.stdout
    saved = [line for line in lines if line.startswith("Saved to ")]
    assert len(saved) == 1, job.stdout
    # rank 0 chose the folder (runs/train-<date-time>) and wrote everything into it
    runs = list((rank0 / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name in saved[0]
    written = {path.name for path in runs[0].iterdir()}
    assert {"model.keras", "history.csv", "results.json", "report.html",
            "train_options.json"} <= written
    assert "backup" not in written  # removed by rank 0 once the run completed
    assert list(rank1.iterdir()) == []  # rank 1 wrote nothing


@needs_mpi
def test_a_wrong_option_is_one_error_line_from_two_ranks(tmp_path):
    job = _two_ranks(tmp_path, tmp_path, "train", "--model", "no-such-model", "--out", "run")
    assert job.returncode == 2, job.stderr  # a usage error, as without mpiexec
    errors = [line for line in job.stderr.splitlines() if line.startswith("strided: error: ")]
    assert len(errors) == 1 and "no-such-model" in errors[0], job.stderr
    assert "Traceback" not in job.stderr
    assert not (tmp_path / "run").exists()


@needs_mpi
def test_other_commands_run_once_on_rank_0(tmp_path):
    job = _two_ranks(tmp_path, tmp_path, "summary", "fashion-cnn")
    assert job.returncode == 0, job.stderr
    assert job.stdout.count("Total params") == 1, job.stdout


def test_ranks_sharing_a_machine_share_its_cores(monkeypatch):
    assert _ranks.ranks_on_this_machine({"MPI_LOCALNRANKS": "4"}) == 4  # MPICH's Hydra
    assert _ranks.ranks_on_this_machine({"OMPI_COMM_WORLD_LOCAL_SIZE": "2"}) == 2  # Open MPI
    assert _ranks.ranks_on_this_machine({}) == 1
    # without a launcher, one process: strided's own default (one thread per core)
    assert _ranks.default_threads() is None
    assert _ranks.is_primary()


@needs_mpi
def test_ctrl_c_ends_every_rank_and_resume_continues_on_two_ranks(tmp_path):
    """mpiexec passes Ctrl-C to every rank: the job ends at once (one error line), the backup
    stays, and the same command with --resume finishes the run."""
    argv = ["train", "--dataset", "fashion-mnist-sample", "--epochs", "4", "--limit", "96",
            "--batch-size", "16", "--validation-split", "0", "--verbose", "2", "--out", "run"]
    command = [MPIEXEC, "-n", "2", *_strided(*argv)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    job = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        for line in job.stdout:  # the end of epoch 1: interrupt epoch 2
            if line.startswith("Epoch 1/4"):
                job.send_signal(signal.SIGINT)
                break
        rest, err = job.communicate(timeout=TIMEOUT)
    finally:
        job.kill()
    # 130; or 1 when a rank was inside an MPI wait, which cannot be cancelled: MPI_Abort
    assert job.returncode in (130, 1), err
    assert [line for line in err.splitlines() if line.startswith("strided: error")] == \
        ["strided: error: interrupted"], err
    assert "Epoch 4/4" not in rest
    assert (tmp_path / "run" / "backup").is_dir() and not (tmp_path / "run" / "model.keras").exists()
    resumed = subprocess.run([MPIEXEC, "-n", "2", *_strided("train", "--resume", "--out", "run")],
                             cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("Resuming the run in run") == 1
    assert resumed.stdout.count("Epoch 4/4") == 1
    assert (tmp_path / "run" / "model.keras").is_file()
    assert not (tmp_path / "run" / "backup").exists()


@needs_mpi
def test_an_error_only_rank_0_can_see_ends_every_rank_cleanly(tmp_path):
    """--resume reads the run's options on rank 0 alone; its error reaches every rank as one
    error of the job (no rank left waiting, no MPI_Abort)."""
    job = _two_ranks(tmp_path, tmp_path, "train", "--resume", "--out", "no-such-run")
    assert job.returncode == 1, job.stderr
    assert job.stderr.splitlines() == [
        "strided: error: nothing to resume in 'no-such-run': it has no train_options.json "
        "(was the run started by `strided train --out`?)"], job.stderr
