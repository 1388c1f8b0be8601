"""Training across processes and machines: the ranks of this job and how they talk.

    import strided.distributed as distributed

    collective = distributed.world()   # MPI under `mpiexec -n N`, else the group of one
    with collective.guard():            # an exception here is raised on every rank
        total = collective.allreduce_sum(gradient)

`world()` is the `Collective` of this job: an `MPICollective` over every rank when an MPI
launcher (mpiexec, mpirun, srun) started this process as one of two or more ranks, else
`SingleProcess`. Nothing here imports mpi4py or initialises MPI until `world()` or `init()` is
first called (importing strided changes nothing in the process). Every wait ends after
`timeout()` seconds (`set_timeout`, the environment's STRIDED_DISTRIBUTED_TIMEOUT, 30 s by
default); what happens on a fault is described in `strided.distributed.mpi`. `set_overlap`
chooses whether training sums the gradients while the backward pass runs.
"""

from strided.distributed.collective import Collective, SingleProcess
from strided.distributed.mpi import MPICollective  # mpi4py is imported only when one is made
from strided.distributed.process_group import alone, init, is_primary, rank, size, world
from strided.distributed.settings import overlap, set_overlap, set_timeout, timeout
from strided.errors import DistributedError, DistributedTimeoutError

__all__ = ["Collective", "SingleProcess", "MPICollective", "world", "init", "rank", "size", "is_primary", "alone",
           "timeout", "set_timeout", "overlap", "set_overlap", "DistributedError", "DistributedTimeoutError"]
