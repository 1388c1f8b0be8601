"""Values gathered from every process of data-parallel training, for the kernels whose result
depends on the whole batch: batch norm's statistics and the sums of its backward pass.

Data-parallel training (`models.replica`: MPI ranks under `mpiexec`, or the forked processes of
`models.data_parallel`) splits each batch over the ranks and joins each of them to the group
(`joined`) for its step's forward and backward passes; a kernel then calls `all_gather(vector)`
and gets every rank's vector, in rank order, so that all of them combine the same numbers in the
same order (the same floats everywhere: torch.distributed's all_gather). Outside such training
nothing is joined and `active()` is False.
"""

import contextlib

_group = None


def active():
    """Whether this process computes a share of a batch that other processes share too."""
    return _group is not None


def all_gather(vector):
    """(processes, len) array: `vector` (1-D, float64) of every process of the group, in order."""
    return _group.all_gather(vector)


@contextlib.contextmanager
def joined(group):
    """Run the block as a member of `group` (an object with `all_gather(vector)`)."""
    global _group
    _group = group
    try:
        yield
    finally:
        _group = None
