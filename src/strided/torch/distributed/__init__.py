"""`torch.distributed` on MPI: PyTorch's data-parallel idiom, launched with `mpiexec`.

    import strided.torch.distributed as dist

    dist.init_process_group("mpi")            # or "gloo": strided runs it on MPI as well
    rank, world_size = dist.get_rank(), dist.get_world_size()
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    dist.destroy_process_group()

Run the program as `mpiexec -n 2 python train.py` (on a cluster, `srun` or `mpiexec` with a
hostfile); it needs mpi4py (`pip install "strided[mpi]"`, with the system's MPI or the
`mpich` wheel). The collectives run over `strided.distributed` (the same MPI engine as the
Keras front end's data-parallel `fit`), in place on tensors, as PyTorch's do; every wait
for the other ranks ends with an error after the collective layer's timeout (or
`init_process_group(timeout=...)`) instead of hanging. There is one process group, the
world: `new_group` of a subset of ranks is not supported.
"""

from strided.torch.distributed._collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    gather,
    reduce,
    scatter,
)
from strided.torch.distributed._group import (
    Backend,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    is_torchelastic_launched,
    new_group,
)

__all__ = [
    "Backend", "ProcessGroup", "ReduceOp", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier", "broadcast",
    "broadcast_object_list", "destroy_process_group", "gather", "get_backend", "get_rank",
    "get_world_size", "group", "init_process_group", "is_available", "is_gloo_available",
    "is_initialized", "is_mpi_available", "is_nccl_available", "is_torchelastic_launched",
    "new_group", "reduce", "scatter",
]
