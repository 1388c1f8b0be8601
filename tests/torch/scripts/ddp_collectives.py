"""Run under `mpiexec -n 2`: every collective of strided.torch.distributed once, and a model that
differs between ranks given to DistributedDataParallel; each rank writes
what it observed to $DDP_RESULT_DIR/rank<r>.json (tests/torch/test_distributed.py checks it
against PyTorch's documented semantics)."""

import datetime
import json
import os
import warnings

import strided.distributed
import strided.torch as torch
import strided.torch.distributed as dist
import strided.torch.nn as nn
from strided.torch.nn.parallel import DistributedDataParallel


def report(observed):
    """Write what this rank observed to $DDP_RESULT_DIR/rank<r>.json (one file per rank)."""
    with open(os.path.join(os.environ["DDP_RESULT_DIR"], f"rank{observed['rank']}.json"), "w") as file:
        json.dump(observed, file)


observed = {"initialized_before": dist.is_initialized(), "available": dist.is_available()}
try:
    dist.init_process_group("mpi", world_size=99)
except ValueError as error:
    observed["wrong_world_size"] = str(error)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    dist.init_process_group("gloo", init_method="env://", timeout=datetime.timedelta(seconds=25))
observed["gloo_warnings"] = [str(w.message) for w in caught]
observed["timeout"] = strided.distributed.timeout()
rank, size = dist.get_rank(), dist.get_world_size()
observed.update(rank=rank, size=size, backend=dist.get_backend(), initialized=dist.is_initialized())
try:
    dist.init_process_group("mpi")
except ValueError as error:
    observed["init_twice"] = str(error)

t = torch.tensor([rank + 1.0, 2.0 * (rank + 1)])
same = t
observed["all_reduce_returns"] = repr(dist.all_reduce(t))
observed["all_reduce_sum"] = t.tolist()
observed["all_reduce_in_place"] = same is t and t.dtype == torch.float32
t = torch.tensor([rank + 1.0], dtype=torch.float64)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
observed["all_reduce_avg"] = t.tolist()
for name in ("MAX", "MIN", "PRODUCT", "BAND"):
    t = torch.tensor([rank + 2, 7 - rank])
    dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
    observed[f"all_reduce_{name.lower()}"] = t.tolist()
    observed["int_dtype_kept"] = t.dtype == torch.int64
t = torch.tensor([rank == 0, False])
dist.all_reduce(t)                                   # bools add as PyTorch's do: True + False is True
observed["all_reduce_bool_sum"] = t.tolist()
scalars = [torch.tensor(0.0) for _ in range(size)]
dist.all_gather(scalars, torch.tensor(float(rank)))  # 0-d tensors
observed["all_gather_scalars"] = [s.tolist() for s in scalars]
work = dist.all_reduce(torch.ones(2), async_op=True)
observed["async_wait"] = work.wait()

t = torch.full((2, 2), float(rank))
dist.broadcast(t, src=size - 1)
observed["broadcast"] = t.tolist()

outputs = [torch.zeros(3) for _ in range(size)]
dist.all_gather(outputs, torch.arange(3.0) + 10 * rank)
observed["all_gather"] = [o.tolist() for o in outputs]
into = torch.zeros(size * 2)
dist.all_gather_into_tensor(into, torch.tensor([rank, -rank], dtype=torch.float32))
observed["all_gather_into_tensor"] = into.tolist()

t = torch.tensor([rank + 1.0])
dist.reduce(t, dst=0)
observed["reduce"] = t.tolist()
gathered = [torch.zeros(1) for _ in range(size)] if rank == 0 else None
dist.gather(torch.tensor([float(rank)]), gathered, dst=0)
observed["gather"] = None if gathered is None else [g.tolist() for g in gathered]
received = torch.zeros(2)
dist.scatter(received, [torch.tensor([float(i), -float(i)]) for i in range(size)] if rank == 0 else None, src=0)
observed["scatter"] = received.tolist()

objects = [None] * size
dist.all_gather_object(objects, {"rank": rank, "name": f"worker{rank}"})
observed["all_gather_object"] = objects
box = [f"from {rank}", rank] if rank == 0 else [None, None]
dist.broadcast_object_list(box, src=0)
observed["broadcast_object_list"] = box
observed["barrier"] = repr(dist.barrier())

try:
    dist.all_gather([torch.zeros(3)] * (size + 1), torch.zeros(3))
except ValueError as error:
    observed["all_gather_wrong_list"] = str(error)
try:
    dist.all_reduce([1.0, 2.0])
except TypeError as error:
    observed["all_reduce_list"] = str(error)
try:
    dist.all_reduce(torch.tensor([1, 2]), op=dist.ReduceOp.AVG)
except TypeError as error:
    observed["avg_of_ints"] = str(error)

# a rank that built a different model: DistributedDataParallel raises on every rank, no hang
try:
    DistributedDataParallel(nn.Linear(4, 3 if rank == 0 else 5))
except ValueError as error:
    observed["ddp_model_mismatch"] = str(error)
dist.barrier()  # the job is still usable: every rank got here

dist.destroy_process_group()
observed["initialized_after_destroy"] = dist.is_initialized()
try:
    dist.get_rank()
except ValueError as error:
    observed["rank_after_destroy"] = str(error)
report(observed)
