"""Run under `mpiexec -n 2`: rank 1's training loop raises (a bug in the user's program, outside
any guard); the job must end on every rank with that exception, not after the collectives'
timeout (checked by tests/torch/test_distributed.py)."""

import strided.torch as torch
import strided.torch.distributed as dist
import strided.torch.nn as nn
from strided.torch.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
model = DistributedDataParallel(nn.Linear(3, 1))
for step in range(3):
    if step == 1 and dist.get_rank() == 1:
        raise RuntimeError("a bug on rank 1")
    model(torch.ones(2, 3)).sum().backward()
print(f"rank {dist.get_rank()} finished", flush=True)
