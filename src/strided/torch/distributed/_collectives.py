"""The collectives of `torch.distributed`, in place on tensors, over strided's MPI collective.

As in PyTorch, every rank calls the same collectives in the same order; results are written
into the tensors given (`all_reduce(t)` changes `t`). Sums come from the collective layer's
`allreduce_sum`, which adds the ranks' arrays along their halving tree, so every rank gets the
same bits.
MIN/MAX/PRODUCT and the bitwise ops reduce every rank's array (an allgather) in rank order;
AVG is the sum divided by the world size (floating-point tensors only).

`async_op=True` returns a completed `Work` (the operation has already run).
"""

import enum
import pickle

import numpy as np

from strided.torch._tensor import Tensor
from strided.torch.distributed._group import check_group


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """The reductions of `all_reduce` / `reduce`: `ReduceOp.SUM`, `AVG`, `MAX`, `MIN`, ..."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


_ELEMENTWISE = {
    RedOpType.PRODUCT: np.multiply, RedOpType.MIN: np.minimum, RedOpType.MAX: np.maximum,
    RedOpType.BAND: np.bitwise_and, RedOpType.BOR: np.bitwise_or, RedOpType.BXOR: np.bitwise_xor,
}


class Work:
    """A finished collective (what `async_op=True` returns): `wait()` returns at once."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def result(self):
        return []


def _done(async_op):
    return Work() if async_op else None


def _array(function, name, tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{function}: {name} should be a strided.torch.Tensor, got {type(tensor).__name__}")
    return tensor._node.data


def _write(function, tensor, values, source):
    target = tensor._node.data
    values = np.asarray(values)
    if target.ndim == 0 and values.shape == (1,):  # a scalar tensor's value, sent as one element
        values = values.reshape(())
    if values.shape != target.shape:
        raise ValueError(f"{function}: {source} has shape {tuple(values.shape)} but this rank's tensor has "
                         f"shape {tuple(target.shape)}; every rank must pass tensors of the same shape")
    target[...] = values


def _check_rank(function, name, value, world):
    if not isinstance(value, (int, np.integer)) or not 0 <= value < world.size():
        raise ValueError(f"{function}: {name}={value!r} is not a rank of the group (0 ... {world.size() - 1})")
    return int(value)


def _reduce(function, array, op, collective):
    try:
        op = RedOpType(op)
    except ValueError:
        raise ValueError(f"{function}: unknown op {op!r}; use a dist.ReduceOp (SUM, AVG, MAX, ...)") from None
    if op == RedOpType.SUM:
        if array.dtype == np.bool_:  # True + True is True: the sum of bools is their OR
            return collective.allreduce_sum(array.astype(np.int64)) > 0
        return collective.allreduce_sum(array)
    if op == RedOpType.AVG:
        if array.dtype.kind not in "fc":
            raise TypeError(f"{function}: ReduceOp.AVG needs a floating-point tensor, got {array.dtype}")
        return collective.allreduce_sum(array) / collective.size
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and array.dtype.kind not in "iub":
        raise TypeError(f"{function}: ReduceOp.{op.name} needs an integer or bool tensor, got {array.dtype}")
    if op not in _ELEMENTWISE:
        raise ValueError(f"{function}: ReduceOp.{op.name} is not supported by strided's MPI backend")
    gathered = collective.allgather(array)
    result = np.array(gathered[0], copy=True)
    for other in gathered[1:]:  # rank order: the same result on every rank
        result = _ELEMENTWISE[op](result, other)
    return result


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce `tensor` over all ranks, in place: afterwards every rank holds the result.

    Example:
        >>> t = torch.tensor([float(dist.get_rank() + 1)])
        >>> dist.all_reduce(t)                      # on 2 ranks: tensor([3.])
    """
    world = check_group(group, "all_reduce")
    array = _array("all_reduce", "tensor", tensor)
    _write("all_reduce", tensor, _reduce("all_reduce", array, op, world.collective), "the reduced result")
    return _done(async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):  # noqa: A002
    """Reduce `tensor` over all ranks into rank `dst`'s tensor (the others' are left unchanged)."""
    world = check_group(group, "reduce")
    dst = _check_rank("reduce", "dst", dst if dst is not None else group_dst, world)
    result = _reduce("reduce", _array("reduce", "tensor", tensor), op, world.collective)
    if world.rank() == dst:
        _write("reduce", tensor, result, "the reduced result")
    return _done(async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):  # noqa: A002
    """Copy rank `src`'s `tensor` into `tensor` on every rank, in place."""
    world = check_group(group, "broadcast")
    if src is None and group_src is None:
        raise ValueError("broadcast: give the source rank, src=")
    src = _check_rank("broadcast", "src", src if src is not None else group_src, world)
    array = _array("broadcast", "tensor", tensor)
    received = world.collective.broadcast(array, root=src)
    if world.rank() != src:
        _write("broadcast", tensor, received, f"rank {src}'s tensor")
    return _done(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):  # noqa: A002
    """Fill `tensor_list[i]` with rank i's `tensor`, on every rank (one tensor per rank)."""
    world = check_group(group, "all_gather")
    array = _array("all_gather", "tensor", tensor)
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != world.size():
        count = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(f"all_gather: tensor_list should hold one tensor per rank ({world.size()}), got {count}")
    for index, output in enumerate(tensor_list):
        _array("all_gather", f"tensor_list[{index}]", output)
    for rank, (output, values) in enumerate(zip(tensor_list, world.collective.allgather(array))):
        _write("all_gather", output, values, f"rank {rank}'s tensor")
    return _done(async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):  # noqa: A002
    """Write every rank's `input_tensor`, in rank order, into `output_tensor` (concatenated or stacked)."""
    world = check_group(group, "all_gather_into_tensor")
    output = _array("all_gather_into_tensor", "output_tensor", output_tensor)
    gathered = world.collective.allgather(_array("all_gather_into_tensor", "input_tensor", input_tensor))
    joined = np.stack(gathered) if output.ndim == gathered[0].ndim + 1 else np.concatenate(gathered)
    _write("all_gather_into_tensor", output_tensor, joined, "the gathered tensors")
    return _done(async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):  # noqa: A002
    """Fill `gather_list[i]` on rank `dst` with rank i's `tensor` (`gather_list` only on dst)."""
    world = check_group(group, "gather")
    dst = _check_rank("gather", "dst", 0 if dst is None and group_dst is None else
                      (dst if dst is not None else group_dst), world)
    gathered = world.collective.allgather(_array("gather", "tensor", tensor))
    if world.rank() == dst:
        if gather_list is None or len(gather_list) != world.size():
            raise ValueError(f"gather: on rank {dst} gather_list should hold one tensor per rank ({world.size()})")
        for rank, (output, values) in enumerate(zip(gather_list, gathered)):
            _write("gather", output, values, f"rank {rank}'s tensor")
    return _done(async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):  # noqa: A002
    """Copy `scatter_list[i]` of rank `src` into rank i's `tensor`."""
    world = check_group(group, "scatter")
    src = _check_rank("scatter", "src", 0 if src is None and group_src is None else
                      (src if src is not None else group_src), world)
    arrays = None
    if world.rank() == src:
        if scatter_list is None or len(scatter_list) != world.size():
            raise ValueError(f"scatter: on rank {src} scatter_list should hold one tensor per rank ({world.size()})")
        arrays = [np.array(_array("scatter", f"scatter_list[{i}]", t)) for i, t in enumerate(scatter_list)]
    arrays = world.collective.broadcast(arrays, root=src)
    _write("scatter", tensor, arrays[world.rank()], f"scatter_list[{world.rank()}] of rank {src}")
    return _done(async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):  # noqa: A002
    """Return once every rank has called barrier()."""
    check_group(group, "barrier").collective.barrier()
    return _done(async_op)


def all_gather_object(object_list, obj, group=None):  # noqa: A002
    """Fill `object_list[i]` with rank i's picklable `obj` (one entry per rank).

    The objects are pickled, so only use it with the job's own ranks (as PyTorch warns).
    """
    world = check_group(group, "all_gather_object")
    if len(object_list) != world.size():
        raise ValueError(f"all_gather_object: object_list should have one entry per rank ({world.size()}), "
                         f"got {len(object_list)}")
    payload = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    for rank, data in enumerate(world.collective.allgather(payload)):
        object_list[rank] = pickle.loads(np.asarray(data, dtype=np.uint8).tobytes())


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):  # noqa: A002
    """Replace `object_list`'s entries on every rank by rank `src`'s (picklable objects)."""
    world = check_group(group, "broadcast_object_list")
    src = _check_rank("broadcast_object_list", "src", 0 if src is None and group_src is None else
                      (src if src is not None else group_src), world)
    received = world.collective.broadcast(list(object_list), root=src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects, this rank's "
                         f"object_list has {len(object_list)} entries")
    object_list[:] = received
