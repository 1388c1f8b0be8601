"""The four collective operations over MPI, under `mpiexec -n 3` (uneven shares) and `-n 2`
(scripts/collective_operations.py): allreduce_sum gives the same bits on every rank, equal to
adding the ranks' arrays along their halving tree in one process (also when started and
finished later, with other operations between); allgather takes first dimensions that
differ; broadcast sends arrays and picklable values; mistakes raise the same error everywhere."""

import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "scripts"))
import collective_launch  # noqa: E402
import collective_operations  # noqa: E402

from strided.kernels.collective import tree_combine  # noqa: E402

pytestmark = pytest.mark.skipif(collective_launch.available() is not None,
                                reason=str(collective_launch.available()))


def rank_order_sum(case, size):
    """The ranks' arrays added along the ranks' halving tree in this one process: (r0 + r1) + r2
    for three ranks, (r0 + r1) + (r2 + r3) for four."""
    return tree_combine([collective_operations.inputs(case, rank) for rank in range(size)], np.add)


def by_kind(reports, kind):
    return [entry for entry in reports if entry["kind"] == kind]


# (ranks, MPI thread level): with MPI_THREAD_MULTIPLE (mpi4py's default) long waits happen in
# MPI_Waitall on a helper thread; without it, in a loop of MPI_Test calls
JOBS = [(3, "multiple"), (2, "multiple"), (2, "serialized")]


@pytest.fixture(scope="module", params=JOBS, ids=[f"{n} ranks, {level}" for n, level in JOBS])
def job(request):
    size, level = request.param
    done, reports = collective_launch.launch("collective_operations.py", size,
                                             variables={"MPI4PY_RC_THREAD_LEVEL": level})
    assert done.returncode == 0, done.stderr[-4000:]
    assert sorted(reports) == list(range(size))
    for entries in reports.values():
        assert entries[-1]["kind"] == "done", entries
        assert by_kind(entries, "world")[0]["waits_on_helper_thread"] == (level == "multiple")
    return size, reports


def test_world_is_an_mpi_collective_of_every_rank(job):
    size, reports = job
    for rank, entries in reports.items():
        world = by_kind(entries, "world")[0]
        assert world["type"] == "MPICollective"
        assert (world["size"], world["rank_function"], world["primary"]) == (size, rank, rank == 0)
        assert world["timeout"] == collective_launch.TIMEOUT  # from STRIDED_DISTRIBUTED_TIMEOUT


def test_allreduce_sum_is_the_rank_order_sum_bit_for_bit_on_every_rank(job):
    size, reports = job
    for case in collective_operations.CASES:
        expected = collective_operations.digest(rank_order_sum(case, size))
        for rank in range(size):
            entry = [e for e in by_kind(reports[rank], "allreduce") if e["case"] == case][0]
            assert entry["digest"] == expected, (case, rank)
            assert entry["out_digest"] == expected and entry["out_is_out"], (case, rank)
            assert entry["in_place_digest"] == expected, (case, rank)  # out=array itself
            assert entry["input_unchanged"], (case, rank)


def test_a_started_sum_is_the_same_bits_with_other_operations_in_between(job):
    size, reports = job
    for case in collective_operations.CASES:
        expected = collective_operations.digest(rank_order_sum(case, size))
        for rank in range(size):
            entry = [e for e in by_kind(reports[rank], "started") if e["case"] == case][0]
            assert entry["digest"] == expected, (case, rank)
            assert entry["meanwhile"] == list(range(size))


def test_the_check_above_can_tell_addition_orders_apart():
    # the large float32 inputs give other bits when added in another order, so the test above
    # would fail if allreduce_sum added in any order but rank order
    case = "large float32"
    arrays = [collective_operations.inputs(case, rank) for rank in range(3)]
    assert not np.array_equal((arrays[0] + arrays[1]) + arrays[2], arrays[0] + (arrays[1] + arrays[2]))


def test_allgather_returns_every_ranks_array_with_its_own_first_dimension(job):
    size, reports = job
    for rank in range(size):
        entry = by_kind(reports[rank], "allgather")[0]
        assert entry["shapes"] == [[r * 2, 3] for r in range(size)]
        assert entry["dtypes"] == ["float32"] * size
        for r, values in enumerate(entry["values"]):
            assert values == (np.arange(r * 2 * 3, dtype=np.float32) + 1000 * r).tolist()


def test_allgather_with_different_dtypes_raises_the_same_error_on_every_rank(job):
    size, reports = job
    messages = {by_kind(reports[rank], "allgather mismatch")[0]["error"] for rank in range(size)}
    assert len(messages) == 1
    message = messages.pop()
    assert "same dtype" in message and f"rank {size - 1}: (1, 3) int32" in message


def test_broadcast_sends_arrays_and_picklable_values_from_any_root(job):
    size, reports = job
    for rank in range(size):
        entry = by_kind(reports[rank], "broadcast")[0]
        assert entry["array"] == (np.arange(6, dtype=np.float32).reshape(2, 3) * 1.5).tolist()
        assert entry["dtype"] == "float32"
        assert entry["value"] == {"from": size - 1, "list": [1, 2.5, "x"]}
        assert "rank 0's value cannot be sent" in entry["unsendable"]  # on every rank, root included
