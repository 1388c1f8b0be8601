"""The `strided` command under an MPI launcher: `mpiexec -n N strided train ...` prints once.

Every rank runs the same command line. For `train`, every rank loads the data and trains
(`fit` and `evaluate` are data-parallel over the ranks: `strided.distributed`); rank 0 alone
prints, chooses the output folder and writes every file (options, backup, model, history,
plots, report.html), the other ranks print nothing. Any other command (evaluate, predict,
report, ...) runs on rank 0 alone; the other ranks leave at once with exit code 0.

Errors: `train` runs inside the ranks' `collective.guard()`, so an exception on any rank is
raised on every rank (with a note naming the rank it came from); rank 0 prints it as the usual
one `strided: error:` line and every rank exits with its code. STRIDED_DEBUG=1 lets every rank
print (tracebacks included), for debugging.

Without a launcher (a plain `strided train`) nothing here changes anything: there is one rank,
the primary, and mpi4py is never imported.

    with speaking_rank() as primary:    # stdout and stderr silenced on ranks other than 0
        ...
"""

import contextlib
import os

from strided.cli._errors import debug_enabled

# The number of this job's ranks on this machine, as each launcher tells it.
_LOCAL_SIZE_VARIABLES = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE")


def collective():
    """This job's `strided.distributed` collective (the group of one without a launcher)."""
    from strided import distributed

    return distributed.world()


def is_primary():
    """Whether this process prints and writes files: rank 0, or the only process (read from the
    launcher's environment when the ranks' collective cannot be made, e.g. without mpi4py)."""
    from strided import distributed
    from strided.distributed import launcher

    try:
        return distributed.is_primary()
    except Exception:  # noqa: BLE001 -- the error itself is reported by the command, once
        launch = launcher.detect()
        return launch is None or launch.rank == 0


@contextlib.contextmanager
def speaking_rank():
    """Yield whether this rank is the primary; on the others, stdout and stderr (Python's) are
    silenced for the block, unless STRIDED_DEBUG is set."""
    primary = is_primary()
    if primary or debug_enabled():
        yield primary
        return
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        yield primary


def guarded():
    """`collective().guard()`: an exception in the block is raised on every rank."""
    group = collective()
    guard = getattr(group, "guard", None)
    return guard() if guard is not None else contextlib.nullcontext(group)


def from_primary(compute):
    """compute() on rank 0, its result on every rank (a picklable value): for what rank 0
    alone may read or decide (a resumed run's options, the output folder's name). An exception
    of compute() is raised on every rank at once, as one error of the whole job."""
    group = collective()
    if group.size == 1:
        return compute()
    outcome = None
    if group.rank == 0:
        try:
            outcome = (True, compute())
        except Exception as error:  # noqa: BLE001 -- raised again below, on every rank
            outcome = (False, error)
    succeeded, value = group.broadcast(outcome)
    if not succeeded:
        from strided.distributed import faults

        setattr(value, faults.SHARED, True)  # every rank raises it: none needs telling
        raise value
    return value


def alone():
    """For the block, fit/evaluate/predict run on this rank only (rank 0 drawing its plots and
    report once the others have finished), as in a process without a launcher."""
    from strided import distributed

    return distributed.alone()


def ranks_on_this_machine(environment=None):
    """How many of this job's ranks share this machine (1 when the launcher does not say)."""
    environment = os.environ if environment is None else environment
    for name in _LOCAL_SIZE_VARIABLES:
        try:
            return max(1, int(environment[name]))
        except (KeyError, ValueError):
            continue
    return 1


def default_threads():
    """Threads per rank when --threads is not given: this machine's usable cores shared among
    its ranks (None without a launcher: strided's own default, one per core)."""
    from strided._config import num_threads, thread_setting

    local = ranks_on_this_machine()
    if collective().size == 1 or local == 1 or thread_setting() is not None:
        return None
    return max(1, num_threads() // local)


__all__ = ["collective", "is_primary", "speaking_rank", "guarded", "from_primary", "alone",
           "ranks_on_this_machine", "default_threads"]
