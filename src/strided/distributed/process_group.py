"""This job's collective, made once on first use: `world()`, `init()`, `rank()`, `size()`.

MPI is used only when the environment says an MPI launcher started this process as one of
several ranks (`distributed.launcher`); only then is mpi4py imported, which initialises MPI.
A plain `python train.py`, or `mpiexec -n 1`, gets `SingleProcess`.
"""

import contextlib

from strided.distributed import settings
from strided.distributed.collective import SingleProcess
from strided.distributed.launcher import launched_with_several_ranks

_world = [None]


def init(timeout=None):
    """Make this job's collective (once; later calls return the same one) and return it.

    Args:
        timeout: if given, seconds this job's collective waits for the other ranks (instead of
            `strided.distributed.timeout()`); every rank should give the same.

    Raises ModuleNotFoundError (naming `pip install strided[mpi]`) when an MPI launcher
    started this process as one of several ranks but mpi4py is not installed.
    """
    if _world[0] is None:
        launch = launched_with_several_ranks()
        if launch is None:
            _world[0] = SingleProcess()
        else:
            from strided.distributed import mpi

            try:
                mpi.import_mpi()
            except ModuleNotFoundError as error:
                raise ModuleNotFoundError(
                    f"This process is rank {launch.rank} of {launch.size} started by an MPI launcher "
                    f"({launch.launcher}: {', '.join(launch.variables)}), but mpi4py is not installed, "
                    "so the ranks cannot train together: pip install strided[mpi] (or pip install "
                    "mpi4py; on a cluster, built against the cluster's MPI).", name="mpi4py") from error.__cause__
            _world[0] = mpi.MPICollective()
    if timeout is not None:
        if isinstance(_world[0], SingleProcess):
            _world[0].timeout = settings._seconds(timeout, "strided.distributed.init(timeout=...)")
        else:
            _world[0].timeout = timeout
    return _world[0]


def world(timeout=None):
    """This job's `Collective` (made by `init()` on first use; `timeout` as in `init`)."""
    return init(timeout)


def rank():
    """This process's rank in the job (0 without a launcher)."""
    return world().rank


def size():
    """The number of ranks in the job (1 without a launcher)."""
    return world().size


def is_primary():
    """Whether this rank writes files and prints (rank 0)."""
    return world().rank == 0


@contextlib.contextmanager
def alone():
    """For the block, this rank is a job of its own (`world()` is a `SingleProcess`): fit,
    evaluate and predict run here only, as without a launcher (rank 0 finishing alone once
    the others are done, e.g. drawing a report). The job's collective comes back afterwards."""
    group = world()
    if group.size == 1:
        yield
        return
    _world[0] = SingleProcess()
    try:
        yield
    finally:
        _world[0] = group


__all__ = ["init", "world", "rank", "size", "is_primary", "alone"]
