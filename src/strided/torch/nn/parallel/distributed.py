"""`nn.parallel.DistributedDataParallel`: data-parallel training, one model replica per rank.

What a PyTorch user observes, reproduced on strided's MPI collectives:
- at construction the parameters and buffers of rank 0 are copied to every rank (after
  checking that every rank built the same model: names, shapes and dtypes);
- before each forward (in training, when gradients are synchronised) rank 0's buffers, e.g.
  BatchNorm's running statistics, are copied to every rank (`broadcast_buffers=True`);
- after `loss.backward()` every rank's `.grad` holds the average over ranks of the local
  gradients, so with equal shards and a per-rank mean loss one step equals a step on the
  whole global batch (see `_gradient_sync.py` for how the backward is hooked);
- `no_sync()` lets gradients accumulate locally; the next backward outside it averages them.

Each rank reads its own share of the data, usually with `utils.data.DistributedSampler`.

Where it differs from PyTorch's: the gradients are averaged when the backward ends, in one
`allreduce_sum` per dtype (no buckets overlapping the backward), added along the ranks' tree so
every rank holds the same bits; a parameter the backward did not reach on some rank counts as zero
there (PyTorch needs `find_unused_parameters=True` for that, else raises); a gradient reaching
a parameter outside the wrapped forward (a penalty computed from `model.parameters()`) is
added locally, not averaged, which is the same thing when it is the same on every rank.
"""

import contextlib

import numpy as np

from strided.autograd import is_grad_enabled, trace
from strided.torch.distributed._group import check_group
from strided.torch.nn.modules.module import Module
from strided.torch.nn.parallel._gradient_sync import GradientReduction


class DistributedDataParallel(Module):
    """Wraps `module` so its gradients are averaged over all ranks in every backward.

    Args:
        module: the model (an `nn.Module`); reach it again as `ddp.module`.
        device_ids, output_device: must be left unset (strided runs on the CPU).
        broadcast_buffers: copy rank 0's buffers to every rank before each forward (default True).
        init_sync: copy rank 0's parameters and buffers to every rank now (default True).
        process_group: the default group (None); strided has no other.
        find_unused_parameters, bucket_cap_mb, gradient_as_bucket_view, static_graph,
            check_reduction: accepted; parameters a backward did not reach are always
            handled (their gradient counts as zero on that rank).

    Example:
        >>> dist.init_process_group("mpi")            # mpiexec -n 2 python train.py
        >>> model = DistributedDataParallel(ConvNet())
        >>> loss = criterion(model(images), labels)   # this rank's share of the batch
        >>> loss.backward()                           # .grad: the average over ranks
        >>> optimizer.step()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, forward_sync_buffers=None, **kwargs):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module should be an nn.Module, got {type(module).__name__}")
        if device_ids or output_device not in (None, "cpu"):
            raise ValueError(f"DistributedDataParallel(device_ids={device_ids}, output_device={output_device}): "
                             f"strided runs on the CPU; leave device_ids and output_device unset")
        world = check_group(process_group, "DistributedDataParallel")
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.process_group = world
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        if forward_sync_buffers is None:
            forward_sync_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.broadcast_buffers = forward_sync_buffers
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        if init_sync:
            self._copy_from_rank_0(include_buffers=broadcast_buffers is not False)

    # ------------------------------------------------------------------ running
    def forward(self, *inputs, **kwargs):
        if self.require_forward_param_sync and self.broadcast_buffers:
            self._copy_buffers_from_rank_0()
        synchronise = is_grad_enabled() and self.require_backward_grad_sync and trace.active() is None
        self.require_forward_param_sync = synchronise
        if not synchronise:
            return self.module(*inputs, **kwargs)
        parameters = [parameter for parameter in self.module.parameters() if parameter.requires_grad]
        reduction = GradientReduction(parameters, self.process_group.collective)
        with reduction.gates_installed():
            return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside: backward only accumulates local gradients (the forward must be inside too)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------------ state
    def _copy_buffers_from_rank_0(self):
        """Before a forward: rank 0's buffers (e.g. running statistics), in place (shapes checked at construction)."""
        buffers = [buffer for buffer in self.module.buffers() if buffer is not None]
        if buffers:
            theirs = self.process_group.collective.broadcast([b._node.data for b in buffers], root=0)
            if self.process_group.rank() != 0:
                for buffer, array in zip(buffers, theirs):
                    buffer._node.data[...] = array

    def _copy_from_rank_0(self, include_buffers=True):
        """At construction: check every rank built rank 0's model, then take rank 0's values, in place."""
        named = [(f"parameter '{n}'", t) for n, t in self.module.named_parameters()]
        if include_buffers:
            named += [(f"buffer '{n}'", t) for n, t in self.module.named_buffers() if t is not None]
        collective = self.process_group.collective
        mine = [(name, np.asarray(tensor._node.data)) for name, tensor in named]
        theirs = collective.broadcast(mine, root=0)
        problem = _difference(mine, theirs)
        problems = collective.allgather(np.array([problem is not None], np.uint8))
        bad_ranks = [rank for rank, flag in enumerate(problems) if flag[0]]
        if problem is not None:
            raise ValueError(f"DistributedDataParallel: the model on rank {collective.rank} differs from "
                             f"rank 0's: {problem}")
        if bad_ranks:
            raise ValueError(f"DistributedDataParallel: the model on rank(s) {bad_ranks} differs from rank 0's "
                             f"(see their error); every rank must build the same model")
        if collective.rank != 0:
            for (_, tensor), (_, array) in zip(named, theirs):
                tensor._node.data[...] = array


def _difference(mine, theirs):
    """What differs between this rank's [(name, array)] and rank 0's, or None."""
    if len(mine) != len(theirs):
        return f"{len(mine)} parameters and buffers here, {len(theirs)} on rank 0"
    for (name, array), (their_name, their_array) in zip(mine, theirs):
        if name != their_name:
            return f"{name} here where rank 0 has {their_name}"
        if array.shape != their_array.shape or array.dtype != their_array.dtype:
            return (f"{name} has shape {tuple(array.shape)} and dtype {array.dtype} here, shape "
                    f"{tuple(their_array.shape)} and dtype {their_array.dtype} on rank 0")
    return None
