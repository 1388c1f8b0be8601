"""How DistributedDataParallel averages gradients inside `loss.backward()`.

PyTorch users observe: after `loss.backward()` every rank's `param.grad` holds the average
over the ranks of the gradient each rank accumulated locally (under `no_sync()` the local
gradients only accumulate; the next synchronised backward averages the accumulated sums).

strided's tape has no hooks, so DDP's forward puts two small Functions into the graph:

    parameter --GradientGate--> (the tensor the module's ops use)      one gate per parameter
                     ^
    anchor --EndOfBackward-- end                                        one per forward

Every gate also takes `end` as an input, so in backward's topological order `end` comes after
every gate that received a gradient. A gate hands its parameter's whole gradient (all its uses
summed) to the `GradientReduction` instead of to the parameter; `end`'s backward then runs
`finish()`: one `allreduce_sum` per dtype of all parameters' local totals (`.grad` + this
backward's gradient, zero for an unused one) in a fixed order, divided by the world size, and
written to `.grad` of every parameter some rank used. A parameter no rank used keeps its
`.grad` (PyTorch's `find_unused_parameters=True` behaviour, here always on).
"""

import contextlib

import numpy as np

from strided.autograd import Function
from strided.autograd import Tensor as Node


class GradientGate(Function):
    """Identity on a parameter's array; backward gives the gradient to the reduction."""

    def __init__(self, reduction, index):
        self.reduction = reduction
        self.index = index

    def forward(self, parameter, end):
        return parameter  # the parameter's own array: no copy

    def backward(self, grad_output):
        self.reduction.collect(self.index, grad_output)
        return None, np.zeros((), np.float64)  # a (zero) gradient for `end`, so its backward runs


class EndOfBackward(Function):
    """Identity on a scalar; its backward runs after every gate's: it averages the gradients."""

    def __init__(self, reduction):
        self.reduction = reduction

    def forward(self, anchor):
        return anchor

    def backward(self, grad_output):
        self.reduction.finish()
        return None


class GradientReduction:
    """The gradients of one forward's parameters, averaged over the ranks when backward ends.

    Args:
        parameters: the parameters to average (those requiring gradients, in module order,
            the same order on every rank).
        collective: a `strided.distributed` Collective (rank, size, allreduce_sum).
    """

    def __init__(self, parameters, collective):
        self.parameters = list(parameters)
        self.collective = collective
        self.local = {}

    @contextlib.contextmanager
    def gates_installed(self):
        """While the module runs, its parameters' tensors are the gates' outputs."""
        end = EndOfBackward.apply(Node(np.zeros((), np.float64), requires_grad=True), reduction=self)
        leaves = [parameter._node for parameter in self.parameters]
        try:
            for index, parameter in enumerate(self.parameters):
                parameter._node = GradientGate.apply(leaves[index], end, reduction=self, index=index)
            yield
        finally:
            for parameter, leaf in zip(self.parameters, leaves):
                parameter._node = leaf

    def collect(self, index, grad):
        dtype = self.parameters[index]._node.data.dtype
        grad = np.asarray(grad).astype(dtype, copy=False)
        previous = self.local.get(index)
        self.local[index] = grad if previous is None else previous + grad

    def finish(self):
        """Average every parameter's local total over the ranks into its `.grad`."""
        totals = [self._local_total(index, parameter) for index, parameter in enumerate(self.parameters)]
        used = np.array([index in self.local for index in range(len(self.parameters))], np.float64)
        self.local = {}
        used_somewhere = self.collective.allreduce_sum(used) > 0
        size = self.collective.size
        for indices in _by_dtype(totals).values():
            flat = np.concatenate([totals[i].ravel() for i in indices])
            summed = self.collective.allreduce_sum(flat)
            offset = 0
            for i in indices:
                count = totals[i].size
                if used_somewhere[i]:
                    self.parameters[i]._node.grad = (summed[offset:offset + count] / size).reshape(totals[i].shape)
                offset += count

    def _local_total(self, index, parameter):
        own = parameter._node.grad
        new = self.local.get(index)
        if new is None:
            return own if own is not None else np.zeros_like(parameter._node.data)
        return new if own is None else own + new


def _by_dtype(arrays):
    """{dtype: [indices]} in first-seen order (the same on every rank)."""
    groups = {}
    for index, array in enumerate(arrays):
        groups.setdefault(array.dtype.str, []).append(index)
    return groups
