"""The default process group: `init_process_group`, `get_rank`, `get_world_size`, ...

PyTorch's process group is a set of ranks and a backend that moves tensors between them.
strided has one backend, MPI (`strided.distributed.world()`, on mpi4py): the launcher
(`mpiexec -n N python train.py`, or `srun`) starts the processes and MPI tells each its rank
and the world size, so `init_method`, `store`, MASTER_ADDR/MASTER_PORT are not needed (they
are accepted and unused). `backend="gloo"` (the usual CPU backend of PyTorch programs) is
accepted and runs on MPI too, saying so once; GPU backends ("nccl") are refused.

While the group exists, an exception that ends one rank's program is raised on every rank
(through the collective's guard), so the job ends at once instead of after the timeout.
"""

import datetime
import importlib.util
import os
import sys
import warnings

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
_CPU_BACKENDS = ("mpi", "gloo")
_GPU_BACKENDS = ("nccl", "xccl", "ucc", "hccl")


class Backend(str):
    """A backend's name, lower case (`Backend("MPI") == "mpi"`), as PyTorch's `dist.Backend`."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        return str.__new__(cls, str(name).lower())


class ProcessGroup:
    """The group of every rank (PyTorch's default group, `dist.group.WORLD`)."""

    def __init__(self, collective, requested_backend):
        self.collective = collective
        self.requested_backend = requested_backend

    def rank(self):
        return self.collective.rank

    def size(self):
        return self.collective.size

    def name(self):
        return "mpi"

    def __repr__(self):
        return f"<ProcessGroup mpi rank={self.rank()} size={self.size()}>"


class group:  # noqa: N801 - PyTorch's name
    """`dist.group.WORLD`: the default group once `init_process_group` has run, else None."""

    WORLD = None


def is_available():
    """Whether the distributed package can run here (mpi4py is installed)."""
    return importlib.util.find_spec("mpi4py") is not None


is_mpi_available = is_available


def is_gloo_available():
    """False: PyTorch's gloo is not part of strided (backend="gloo" runs on MPI instead)."""
    return False


def is_nccl_available():
    return False


def is_torchelastic_launched():
    return False


def is_initialized():
    """Whether `init_process_group` has run (and `destroy_process_group` has not)."""
    return group.WORLD is not None


def default_group():
    """The default ProcessGroup; PyTorch's ValueError when there is none yet."""
    if group.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return group.WORLD


def check_group(process_group, function):
    """The group a collective runs on: the default one (strided has only that group)."""
    world = default_group()
    if process_group is not None and process_group is not world:
        raise ValueError(f"{function}: strided.torch.distributed has one process group, the default "
                         f"(world) group; got group={process_group!r}")
    return world


def _backend_name(backend):
    name = "mpi" if backend is None else str(backend).lower()
    if ":" in name:  # "cpu:gloo,cuda:nccl" -> the CPU entry
        entries = dict(entry.split(":", 1) for entry in name.split(",") if ":" in entry)
        name = entries.get("cpu", name)
    if name in _CPU_BACKENDS:
        return name
    if name in _GPU_BACKENDS:
        raise ValueError(f"init_process_group(backend={backend!r}): {name} needs GPUs and strided runs on the "
                         f"CPU; use backend='mpi' (or 'gloo', which strided also runs on MPI)")
    raise ValueError(f"init_process_group(backend={backend!r}): invalid backend; strided.torch.distributed "
                     f"supports 'mpi' (and 'gloo', run on MPI)")


def _timeout_seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and timeout > 0:
        return float(timeout)
    raise TypeError(f"init_process_group: timeout should be a datetime.timedelta, got {timeout!r}")


def _check_launch(collective, world_size, rank):
    """The ranks MPI started must be the ones the program (or torchrun's environment) asks for."""
    size = collective.size
    expected = world_size if world_size not in (None, -1) else os.environ.get("WORLD_SIZE")
    if expected is not None and int(expected) != size:
        source = f"world_size={world_size}" if world_size not in (None, -1) else f"the environment's WORLD_SIZE={expected}"
        raise ValueError(
            f"init_process_group: {source}, but MPI started {size} process(es); strided.torch.distributed "
            f"runs on MPI: launch the program with `mpiexec -n {int(expected)} python ...`"
        )
    if rank not in (None, -1) and int(rank) != collective.rank:
        raise ValueError(f"init_process_group(rank={rank}): MPI gave this process rank {collective.rank}; "
                         f"leave rank unset (MPI numbers the processes)")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's ranks into the default group (call once per process, before any collective).

    Args:
        backend: "mpi" (default) or "gloo", which strided runs on MPI too.
        init_method, store, group_name, pg_options, device_id: accepted for PyTorch programs;
            MPI's launcher already connected the processes.
        timeout: a `datetime.timedelta`: a collective waiting longer for the other ranks
            raises on every rank instead of hanging (default: `strided.distributed.timeout()`,
            30 s or the environment's STRIDED_DISTRIBUTED_TIMEOUT).
        world_size, rank: when given, they must match what MPI started.

    Example:
        >>> import strided.torch.distributed as dist
        >>> dist.init_process_group("mpi")        # run as: mpiexec -n 2 python train.py
        >>> dist.get_rank(), dist.get_world_size()
        (0, 2)
    """
    if group.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _backend_name(backend)
    seconds = _timeout_seconds(timeout)
    from strided import distributed

    if seconds is not None:
        distributed.set_timeout(seconds)
    collective = distributed.world()
    _check_launch(collective, world_size, rank)
    if name == "gloo" and collective.rank == 0:
        warnings.warn("strided.torch.distributed: backend 'gloo' runs on MPI (mpi4py); launch with "
                      "`mpiexec -n N python ...`", UserWarning, stacklevel=2)
    group.WORLD = ProcessGroup(collective, name)
    _share_uncaught_exceptions(collective)


def _share_uncaught_exceptions(collective):
    """An exception that ends this rank's program is raised on every other rank at once.

    A PyTorch program has no `collective.guard()` around its loop: without this, the other
    ranks would wait out the timeout in their next collective. The hook passes the exception
    through the collective's guard (which tells every rank), then prints it as usual.
    """
    if not hasattr(collective, "guard") or collective.size == 1:
        return
    previous = sys.excepthook

    def excepthook(kind, error, trace):
        if group.WORLD is not None and isinstance(error, Exception):
            try:
                with collective.guard():
                    raise error
            except BaseException:  # noqa: BLE001, S110  (told the others; printed below)
                pass
        previous(kind, error, trace)

    _hooks[:] = [previous]
    sys.excepthook = excepthook


_hooks = []


def destroy_process_group(group=None):  # noqa: A002 - shadows the class inside only
    """Leave the default group; `init_process_group` may be called again afterwards."""
    check_group(group, "destroy_process_group")
    globals()["group"].WORLD = None
    if _hooks:
        sys.excepthook = _hooks.pop()


def get_rank(group=None):  # noqa: A002
    """This process's rank in the default group (0 ... world size - 1)."""
    return check_group(group, "get_rank").rank()


def get_world_size(group=None):  # noqa: A002
    """The number of processes in the default group."""
    return check_group(group, "get_world_size").size()


def get_backend(group=None):  # noqa: A002
    """Always "mpi": the backend that moves the tensors (whatever name init_process_group got)."""
    check_group(group, "get_backend")
    return Backend.MPI


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, **kwargs):
    """The default group when `ranks` is every rank; sub-groups are not supported."""
    world = default_group()
    if ranks is not None and sorted(ranks) != list(range(world.size())):
        raise NotImplementedError(f"new_group(ranks={list(ranks)}): strided.torch.distributed supports only "
                                  f"the group of all {world.size()} ranks")
    return world
