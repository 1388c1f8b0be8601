"""strided.distributed without a launcher: importing strided leaves MPI alone, `world()` is the
group of one, the launcher is read from the environment only, the timeout setting, and how an
exception travels between ranks (faults.record / faults.rebuilt) and its errors."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import strided.distributed as distributed
from strided.distributed import faults, launcher, settings
from strided.distributed.collective import SingleProcess
from strided.errors import DistributedError, DistributedTimeoutError

_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMI_FD", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                       "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "PMIX_RANK", "SLURM_NTASKS",
                       "SLURM_STEP_NUM_TASKS", "STRIDED_DISTRIBUTED_TIMEOUT")


def python(code, **variables):
    """Run `code` in a fresh Python without any launcher's variables (plus `variables`); the
    JSON its last line prints, or the completed process when it fails."""
    environment = {k: v for k, v in os.environ.items() if k not in _LAUNCHER_VARIABLES}
    environment.update(variables)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120)
    if done.returncode != 0:
        return done
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_strided_imports_no_mpi():
    modules = python("import json, sys, strided, strided.distributed; "
                     "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mpi4py'))))",
                     PMI_RANK="0", PMI_SIZE="2")  # even as a rank of an MPI job, until world() is called
    assert modules == []


def test_world_without_a_launcher_is_the_group_of_one_and_imports_no_mpi():
    state = python("import json, sys, strided.distributed as d; w = d.world(); "
                   "print(json.dumps([type(w).__name__, d.rank(), d.size(), d.is_primary(), d.init() is w, "
                   "'mpi4py' in sys.modules]))")
    assert state == ["SingleProcess", 0, 1, True, True, False]


def test_a_launched_rank_without_mpi4py_says_what_to_install():
    done = python("import sys; sys.modules['mpi4py'] = None\nimport strided.distributed as d; d.world()",
                  PMI_RANK="1", PMI_SIZE="2")
    assert isinstance(done, subprocess.CompletedProcess)
    assert "ModuleNotFoundError" in done.stderr
    assert "rank 1 of 2" in done.stderr and "PMI_SIZE=2" in done.stderr
    assert "pip install strided[mpi]" in done.stderr


@pytest.mark.parametrize("variables, expected", [
    ({}, None),
    ({"PMI_RANK": "1", "PMI_SIZE": "4"}, (1, 4)),
    ({"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "3"}, (2, 3)),
    ({"MV2_COMM_WORLD_RANK": "0", "MV2_COMM_WORLD_SIZE": "2"}, (0, 2)),
    ({"PMIX_RANK": "5", "SLURM_STEP_NUM_TASKS": "8"}, (5, 8)),
    ({"PMIX_RANK": "0"}, (0, None)),
    ({"PMI_RANK": "0", "PMI_SIZE": "1"}, (0, 1)),
    ({"PMI_RANK": "x", "PMI_SIZE": "2"}, None),
])
def test_the_launcher_is_read_from_the_environment(variables, expected):
    launch = launcher.detect(variables)
    assert (None if launch is None else (launch.rank, launch.size)) == expected


def test_only_several_ranks_make_a_distributed_job():
    assert launcher.launched_with_several_ranks({"PMI_RANK": "0", "PMI_SIZE": "1"}) is None  # mpiexec -n 1
    assert launcher.launched_with_several_ranks({"PMI_RANK": "0", "PMI_SIZE": "2"}).size == 2
    assert launcher.launched_with_several_ranks({"PMIX_RANK": "0"}) is not None  # size unknown: ask MPI


def test_timeout_from_set_timeout_else_the_environment_else_thirty_seconds(monkeypatch):
    monkeypatch.delenv(settings.ENVIRONMENT_VARIABLE, raising=False)
    assert distributed.timeout() == settings.DEFAULT_TIMEOUT == 30.0
    monkeypatch.setenv(settings.ENVIRONMENT_VARIABLE, "4.5")
    assert distributed.timeout() == 4.5
    try:
        distributed.set_timeout(2)
        assert distributed.timeout() == 2.0
    finally:
        distributed.set_timeout(None)
    assert distributed.timeout() == 4.5
    monkeypatch.setenv(settings.ENVIRONMENT_VARIABLE, "soon")
    with pytest.raises(ValueError, match="STRIDED_DISTRIBUTED_TIMEOUT.*Received: 'soon'"):
        distributed.timeout()


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), "3", True])
def test_set_timeout_refuses_what_is_not_a_positive_number(seconds):
    with pytest.raises(ValueError, match="set_timeout: expected a positive number of seconds"):
        distributed.set_timeout(seconds)


def test_single_process_operations_are_the_identity():
    group = SingleProcess()
    array = np.arange(6.0).reshape(2, 3)
    total = group.allreduce_sum(array)
    assert np.array_equal(total, array) and total is not array
    out = np.empty_like(array)
    assert group.allreduce_sum(array, out=out) is out and np.array_equal(out, array)
    assert [a.tolist() for a in group.allgather(array)] == [array.tolist()]
    assert group.broadcast({"a": 1}) == {"a": 1}
    assert group.barrier() is None
    with group.guard() as guarded:
        assert guarded is group
    with pytest.raises(KeyError):
        with group.guard():
            raise KeyError("passes through unchanged")


class Unpicklable(Exception):
    def __init__(self, message, handle):
        super().__init__(message)
        self.handle = handle

    def __reduce__(self):
        raise TypeError("cannot pickle a handle")


def raised(error):
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001
        return caught


def test_an_exception_is_rebuilt_on_another_rank_as_itself_with_a_note_naming_its_rank():
    entry = pickle.loads(pickle.dumps(faults.record(raised(ValueError("bad batch 17")), rank=1)))
    error = faults.rebuilt(entry, size=3, here=0, doing="allreduce_sum")
    assert type(error) is ValueError and str(error) == "bad batch 17"
    assert "raised on rank 1 of 3" in error.__notes__[0] and "rank 0 was in allreduce_sum" in error.__notes__[0]
    assert "Traceback" in error.__notes__[0]  # its traceback there, in the note, not the message


def test_an_exception_that_cannot_be_rebuilt_arrives_as_a_distributed_error():
    entry = faults.record(raised(Unpicklable("socket closed", handle=object())), rank=2)
    entry["type"] = "no_such_module.Unpicklable"  # nor importable by name on the other rank
    error = faults.rebuilt(entry, size=3, here=0, doing="barrier")
    assert type(error) is DistributedError
    assert str(error) == "rank 2 raised no_such_module.Unpicklable: socket closed"
    assert (error.rank, error.type_name) == (2, "no_such_module.Unpicklable")


def test_an_unpicklable_exception_of_an_importable_type_is_rebuilt_from_its_message():
    entry = faults.record(raised(Unpicklable("socket closed", handle=object())), rank=2)
    assert entry["exception"] is None
    entry["type"] = "builtins.ConnectionError"
    error = faults.rebuilt(entry, size=2, here=1, doing="broadcast")
    assert type(error) is ConnectionError and str(error) == "socket closed"


def test_the_timeout_error_is_a_timeout_and_survives_pickling():
    error = DistributedTimeoutError("barrier waited", operation="barrier", seconds=3.0, missing=[2, 1], rank=0)
    assert isinstance(error, TimeoutError) and isinstance(error, DistributedError)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.operation, copy.seconds, copy.missing, copy.rank) == ("barrier waited", "barrier", 3.0,
                                                                                 [1, 2], 0)


def test_overlap_from_set_overlap_else_the_environment_else_auto(monkeypatch):
    monkeypatch.delenv(settings.OVERLAP_VARIABLE, raising=False)
    assert distributed.overlap() == "auto"
    monkeypatch.setenv(settings.OVERLAP_VARIABLE, "1")
    assert distributed.overlap() is True
    try:
        distributed.set_overlap(False)
        assert distributed.overlap() is False
    finally:
        distributed.set_overlap(None)
    monkeypatch.setenv(settings.OVERLAP_VARIABLE, "sometimes")
    with pytest.raises(ValueError, match="STRIDED_DISTRIBUTED_OVERLAP.*Received: 'sometimes'"):
        distributed.overlap()
    with pytest.raises(ValueError, match="set_overlap: expected 'auto', True or False"):
        distributed.set_overlap("maybe")


def test_a_started_sum_of_one_process_is_the_array():
    pending = distributed.SingleProcess().start_allreduce_sum(np.arange(4.0))
    pending.advance()
    assert np.array_equal(pending.result(), np.arange(4.0))
