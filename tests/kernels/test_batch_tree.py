"""The batch's halving tree (`kernels.parallel.batch_leaves`, `tree_combine`) and the ranks'
shards (`models.replica.shard_bounds`, `exactly_splittable`): a shard that is a subtree of the
tree has, in its own tree, exactly the leaves one process finds there, so its sums are the
subtree's bits."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from strided.kernels import collective
from strided.kernels.parallel import batch_leaves, for_each_chunk, leaf_limit, tree_combine
from strided.models.replica import exactly_splittable, shard_bounds


@given(st.integers(1, 600), st.integers(1, 40))
def test_leaves_cover_the_batch_in_order_each_at_most_the_limit(n, step):
    leaves = batch_leaves(n, step)
    assert leaves[0][0] == 0 and leaves[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(leaves, leaves[1:]))
    assert all(1 <= stop - start <= min(step, leaf_limit(n)) for start, stop in leaves)


@given(st.integers(1, 600), st.integers(1, 40), st.integers(1, 8))
def test_a_shard_finds_the_leaves_one_process_finds_in_it(n, step, ranks):
    if not exactly_splittable(n, ranks):
        return
    whole = batch_leaves(n, step)
    for start, stop in shard_bounds(n, ranks):
        inside = [(a - start, b - start) for a, b in whole if start <= a and b <= stop]
        with collective.joined(None, (stop - start, n)):  # a rank computing rows [start, stop)
            assert batch_leaves(stop - start, step) == inside


@given(st.integers(9, 300), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_ranks_subtree_sums_added_along_the_ranks_tree_are_one_processs_bits(n, ranks, seed):
    values = np.random.default_rng(seed).normal(size=(n, 5)).astype(np.float32) * 10.0 ** np.arange(-2, 3)
    if not exactly_splittable(n, ranks):
        return

    def summed(rows):
        def work(start, stop, scratch):
            scratch.add("s", rows[start:stop].sum(axis=0))
        return for_each_chunk(work, len(rows), 3)["s"]

    alone = summed(values)
    parts = []
    for start, stop in shard_bounds(n, ranks):
        with collective.joined(None, (stop - start, n)):
            parts.append(summed(values[start:stop]))
    assert np.array_equal(collective.tree_combine(parts, np.add), alone)


def test_shards_are_even_for_powers_of_two_and_follow_the_tree_otherwise():
    assert shard_bounds(64, 4) == [(0, 16), (16, 32), (32, 48), (48, 64)]
    assert shard_bounds(50, 2) == [(0, 25), (25, 50)]
    assert shard_bounds(64, 3) == [(0, 16), (16, 32), (32, 64)]
    assert not exactly_splittable(32, 4)  # quarters of 8 rows would cut leaves of 16
    assert exactly_splittable(64, 4) and exactly_splittable(17, 2) and not exactly_splittable(16, 2)
    assert leaf_limit(64) == 16 and leaf_limit(1000) == 125  # a large batch: larger leaves
    assert exactly_splittable(1000, 8) and not exactly_splittable(1000, 16)


def test_tree_combine_adds_pairwise_in_halves():
    bounds = batch_leaves(17, 8)  # 17 -> 9 + 8 -> (5 + 4) + 8
    assert bounds == [(0, 5), (5, 9), (9, 17)]
    order = tree_combine([str(i) for i in range(len(bounds))], bounds, lambda a, b: f"({a}+{b})")
    assert order == "((0+1)+2)"


@given(st.integers(1, 8), st.integers(0, 2000))
def test_up_to_8_ranks_split_exactly_any_batch_of_16_rows_per_rank(ranks, extra):
    assert exactly_splittable(16 * ranks + extra, ranks)
