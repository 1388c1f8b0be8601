"""Faults in an MPI job never hang and name the rank (scripts/collective_faults.py, with a 3 s
collective timeout): a rank that raises inside `collective.guard()` makes every rank raise
its exception; a stopped rank ends the job after the timeout with a DistributedTimeoutError
naming it; a killed rank ends the job at once. No process and no shared-memory file is left."""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "scripts"))
import collective_launch  # noqa: E402

pytestmark = pytest.mark.skipif(collective_launch.available() is not None,
                                reason=str(collective_launch.available()))

# a job here must end long before this: a 3 s timeout, half a second of roll call, start-up
DEADLINE = 45


def launch_failing(mode, ranks):
    done, reports = collective_launch.launch("collective_faults.py", ranks, mode, deadline=DEADLINE)
    started = {rank: [e for e in entries if e["kind"] == "started"][0] for rank, entries in reports.items()}
    assert sorted(started) == list(range(ranks)), done.stderr[-3000:]
    assert done.returncode != 0
    for rank, entry in started.items():  # nothing left behind
        assert collective_launch.gone_soon(entry["pid"]), f"rank {rank} (pid {entry['pid']}) still runs"
        for name in entry["shared_memory"]:
            assert not os.path.exists(name), name
    for entries in reports.values():  # a rank that raised cannot use the collective any more
        raised, afterwards = ([e for e in entries if e["kind"] == kind] for kind in ("raised", "afterwards"))
        assert len(afterwards) == len(raised) or mode == "outside"
        for entry in afterwards:
            assert "barrier on rank" in entry["error"] and "the collective cannot be used after" in entry["error"]
    return done, {rank: [e for e in entries if e["kind"] == "raised"] for rank, entries in reports.items()}


def test_a_rank_that_raises_makes_every_rank_raise_its_exception_naming_it():
    done, raised = launch_failing("raise", 3)
    for rank in range(3):
        assert len(raised[rank]) == 1, (rank, done.stderr[-3000:])
        entry = raised[rank][0]
        assert entry["type"] == "ValueError"
        assert entry["message"] == "bad batch 17: labels out of range"
        assert any("raised on rank 1 of 3" in note for note in entry["notes"]), entry["notes"]
    assert "ValueError: bad batch 17: labels out of range" in done.stderr
    assert "did not answer" not in done.stderr  # every rank reported before the job ended


def test_an_exception_outside_any_guard_still_reaches_the_other_ranks():
    done, raised = launch_failing("outside", 2)
    entry = raised[0][0]  # rank 0 waited; rank 1's exit handler sent its exception
    assert (entry["type"], entry["message"]) == ("ValueError", "bad batch 17: labels out of range")
    assert any("raised on rank 1 of 2" in note for note in entry["notes"]), entry["notes"]
    assert "did not answer" not in done.stderr


def test_a_stopped_rank_ends_the_job_after_the_timeout_naming_it():
    done, raised = launch_failing("stop", 3)
    assert raised[1] == []  # stopped, then killed by the launcher
    for rank in (0, 2):
        entry = raised[rank][0]
        assert entry["type"] == "DistributedTimeoutError", entry
        if "raised on rank" in " ".join(entry["notes"]):  # heard it from the other waiting rank first
            continue
        assert entry["missing"] == [1]
        assert f"allreduce_sum (collective operation 4) on rank {rank} of 3 waited" in entry["message"]
        assert "the timeout, and rank 1 had not arrived" in entry["message"]
    assert "ends the job with MPI_Abort: rank 1 did not answer" in done.stderr


def test_a_killed_rank_ends_the_job():
    done, raised = launch_failing("kill", 2)
    assert raised[1] == []
    assert "KILLED BY SIGNAL: 9" in done.stdout + done.stderr or "signal 9" in done.stdout + done.stderr
