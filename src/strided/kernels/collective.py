"""Values gathered from every process of data-parallel training, for the kernels whose result
depends on the whole batch: batch norm's statistics and the sums of its backward pass.

Data-parallel training (`models.replica`: MPI ranks under `mpiexec`) splits each batch over
the ranks and joins each of them to the group (`joined`) for its step's forward and backward
passes; a kernel then calls `all_gather(vector)` and gets every rank's vector, in rank order, so
that all of them combine the same numbers in the same order (the same floats everywhere: torch.distributed's all_gather). Outside such training
nothing is joined and `active()` is False.
"""

import contextlib

_group = None
_share = None  # (this process's rows, the whole batch's rows) while joined to a group


def active():
    """Whether this process computes a share of a batch that other processes share too."""
    return _group is not None


def all_gather(vector):
    """(processes, len) array: `vector` (1-D, float64) of every process of the group, in order."""
    return _group.all_gather(vector)


def tree_combine(values, add):
    """The processes' `values` (in rank order) added along the ranks' halving tree: the first
    ceil(P / 2) ranks' total, then the rest's, added -- the order in which one process adds
    the halves, quarters, ... of a batch that the ranks share as `models.replica` splits it."""
    if len(values) == 1:
        return values[0]
    middle = (len(values) + 1) // 2
    return add(tree_combine(values[:middle], add), tree_combine(values[middle:], add))


def first():
    """Whether this process is the group's first (rank 0)."""
    return _group.rank == 0


def batch_share():
    """(this process's rows, the whole batch's rows) of the batch the group shares, or None."""
    return _share


def whole_batch(rows):
    """The whole batch's rows when this process computes `rows` of a batch it shares with
    others, else `rows`: what a choice that must come out the same on every process counts."""
    return rows if _share is None else _share[1]


@contextlib.contextmanager
def joined(group, share=None):
    """Run the block as a member of `group` (an object with `all_gather(vector)`), computing
    `share` = (its rows, the whole batch's rows) of the batch."""
    global _group, _share
    _group, _share = group, share
    try:
        yield
    finally:
        _group, _share = None, None
_share = None  # (this process's rows, the whole batch's rows) while joined to a group
