"""One rank's part of data-parallel training (strided.models.replica), with a stand-in
collective: shards, bucketed gradient sums, the whole batch's metrics. The real thing runs
under mpiexec in tests/distributed/test_fit_*.py."""

import numpy as np
import pytest

from strided.distributed.collective import Collective
from strided.models import replica as replica_module
from strided.models.replica import Replica, shard_bounds


class TwinRanks(Collective):
    """Rank 0 of two ranks whose partner holds the same arrays (a sum doubles them)."""

    rank, size = 0, 2

    def __init__(self):
        self.calls = []

    def allreduce_sum(self, array):
        self.calls.append(("allreduce_sum", np.size(array)))
        return np.asarray(array) * 2

    def allgather(self, array):
        self.calls.append(("allgather", np.shape(array)))
        return [np.asarray(array), np.asarray(array)]


@pytest.mark.parametrize("n, size, rows", [(50, 3, [13, 12, 25]), (4, 3, [1, 1, 2]), (16, 2, [8, 8]), (3, 3, [1, 1, 1]),
                                           (50, 4, [13, 12, 13, 12])])
def test_shards_follow_the_batch_halving_tree_and_cover_the_batch(n, size, rows):
    bounds = shard_bounds(n, size)
    assert [stop - start for start, stop in bounds] == rows
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))


def test_gradients_are_summed_in_buckets_and_missing_ones_stay_missing(monkeypatch):
    monkeypatch.setattr(replica_module, "BUCKET_ELEMENTS", 10)
    group = TwinRanks()
    rank = Replica(group)
    x, y = np.zeros((20, 1)), np.zeros(20)
    grads = [np.ones((2, 3)), None, np.full(7, 2.0), np.ones(20, np.float32), np.arange(3.0)]
    with rank.sharded((x, y, None)) as ((shard_x, shard_y, _), _positions):
        assert len(shard_x) == len(shard_y) == 10  # rank 0's half
        summed = rank.sum_gradients(grads)
    assert summed[1] is None
    for got, want in zip(summed, grads):
        if want is not None:
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_array_equal(got, 2 * want)
    # float64 in buckets of at most 10 values: [6], [7 + 3]; float32 (larger than a bucket) alone
    assert sorted(size for kind, size in group.calls) == [6, 10, 20]


@pytest.mark.parametrize("rows", [1, 16])  # fewer rows than ranks; halves inside one leaf of 16
def test_a_batch_too_small_to_split_exactly_is_computed_whole_without_exchanges(rows):
    group = TwinRanks()
    rank = Replica(group)
    batch = (np.zeros((rows, 3)), np.zeros(rows), None)
    with rank.sharded(batch, np.arange(rows)) as (part, positions):
        assert part is batch and list(positions) == list(range(rows))
        assert rank.sum_gradients([np.ones(2)])[0].tolist() == [1, 1]
    assert group.calls == []


def test_a_steps_losses_and_predictions_travel_in_one_exchange():
    group = TwinRanks()
    rank = Replica(group)
    probabilities = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    labels = np.array([[4], [9]], np.int32)
    with rank.sharded((np.zeros((4, 1)), None, None)):
        gathered, (first, second) = rank._gather_step(np.array([0.5, np.nan]), [probabilities, labels])
    assert len(group.calls) == 1
    assert gathered.shape == (2, 2) and gathered[1, 0] == 0.5 and np.isnan(gathered[1, 1])
    assert first.dtype == np.float32 and np.array_equal(first, np.concatenate([probabilities] * 2))
    assert second.dtype == np.int32 and np.array_equal(second, np.concatenate([labels] * 2))


def test_a_batch_too_small_to_split_exactly_is_said_once_unless_batches_were_split(capsys):
    rank = Replica(TwinRanks())
    for rows in (16, 16):  # two batches of 16 on 2 ranks: halves of 8 would cut a leaf of 16
        with rank.sharded((np.zeros((rows, 3)), np.zeros(rows), None)) as (part, _):
            assert len(part[0]) == rows
    assert capsys.readouterr().out.count("too small to split over 2 ranks") == 1
    later = Replica(TwinRanks())
    with later.sharded((np.zeros((40, 3)), np.zeros(40), None)) as (part, _):
        assert len(part[0]) == 20  # split
    with later.sharded((np.zeros((10, 3)), np.zeros(10), None)) as (part, _):
        assert len(part[0]) == 10  # an epoch's small last batch: whole, and nothing said
    assert capsys.readouterr().out == ""
