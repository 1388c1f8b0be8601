"""`nn.SyncBatchNorm`: batch normalisation over the global batch, every rank's share together.

Plain BatchNorm under DistributedDataParallel normalises each rank's share with that share's
statistics. SyncBatchNorm uses the statistics of the whole global batch, so N ranks compute
what one process computes on all N shares (as PyTorch's SyncBatchNorm). Per channel c, over
the batch and spatial axes of every rank's input (M values in all):

    mean = sum_ranks(sum x) / M                       (one allreduce_sum)
    var  = sum_ranks(sum (x - mean)^2) / M            (a second one: the two-pass variance)
    y    = (x - mean) / sqrt(var + eps) * weight + bias

and the backward, with x_hat = (x - mean) / sqrt(var + eps),

    dx      = weight / sqrt(var + eps) * (dy - sum_ranks(sum dy) / M - x_hat * sum_ranks(sum dy * x_hat) / M)
    dweight = sum dy * x_hat,   dbias = sum dy           (this rank's sums: DDP averages them)

The running statistics are updated from the global mean and the unbiased global variance
(var * M / (M - 1)). In eval(), without a process group, or on one rank, it is BatchNorm.
"""

import numpy as np

from strided.autograd import Function
from strided.autograd import Tensor as Node
from strided.torch._tensor import wrap
from strided.torch.nn import functional as F
from strided.torch.nn.modules.normalization import _BatchNorm


class SyncBatchNormFunction(Function):
    """(x, [weight, bias]) -> y, normalised with the statistics of every rank's x."""

    def __init__(self, collective, eps, statistics):
        self.collective = collective
        self.eps = eps
        self.statistics = statistics  # receives the global mean, biased variance and count

    def forward(self, x, *affine):
        axes = (0, *range(2, x.ndim))
        channels = x.shape[1]
        shape = (1, channels) + (1,) * (x.ndim - 2)
        local_count = x.size // channels
        sums = self.collective.allreduce_sum(np.concatenate([x.sum(axis=axes), [local_count]]).astype(x.dtype))
        self.count = count = int(round(float(sums[-1])))
        if count <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks when "
                             f"training, got {count} (input of size {list(x.shape)} here)")
        self.mean = sums[:-1] / count
        centered = x - self.mean.reshape(shape)
        self.var = self.collective.allreduce_sum((centered * centered).sum(axis=axes)) / count
        self.statistics.update(mean=self.mean, var=self.var, count=count)
        self.inverse_std = (1.0 / np.sqrt(self.var + self.eps)).astype(x.dtype)
        self.normalized = centered * self.inverse_std.reshape(shape)
        self.weight = affine[0] if affine else None
        if not affine:
            return self.normalized
        return self.normalized * affine[0].reshape(shape) + affine[1].reshape(shape)

    def backward(self, grad_output):
        x_hat, shape = self.normalized, (1, -1) + (1,) * (self.normalized.ndim - 2)
        axes = (0, *range(2, x_hat.ndim))
        sum_dy = grad_output.sum(axis=axes)
        sum_dy_x_hat = (grad_output * x_hat).sum(axis=axes)
        grad_input = None
        if self.needs_input_grad[0]:
            channels = sum_dy.size
            total = self.collective.allreduce_sum(np.concatenate([sum_dy, sum_dy_x_hat]))
            scale = self.inverse_std if self.weight is None else self.inverse_std * self.weight
            grad_input = scale.reshape(shape) * (
                grad_output - (total[:channels] / self.count).reshape(shape)
                - x_hat * (total[channels:] / self.count).reshape(shape))
        if self.weight is None:
            return grad_input
        return grad_input, sum_dy_x_hat, sum_dy


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation with the global batch's statistics over all ranks (N, C, ...).

    Args:
        num_features: C, the channels (dim 1) of the input.
        eps, momentum, affine, track_running_stats: as BatchNorm's.
        process_group: the default group (None); strided has no other.

    Shape:
        Input (N, C, *) on every rank (N may differ between ranks); output the same shape.

    Example:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d
        >>> model = DistributedDataParallel(model)
    """

    expected_dims = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input(self, input):  # noqa: A002
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected input with {self.num_features} channels (dim 1), "
                             f"got input of size {list(input.shape)}")

    def _normalize(self, input, relu):  # noqa: A002
        group = self._group()
        if not self.training or group is None or group.size() == 1:
            return super()._normalize(input, relu)
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked._node.data[...] += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._node.data)
        affine = []
        if self.affine:
            bias = self.bias._node if self.bias is not None else Node(np.zeros_like(self.weight._node.data))
            affine = [self.weight._node, bias]
        statistics = {}
        output = wrap(SyncBatchNormFunction.apply(input._node, *affine, collective=group.collective, eps=self.eps,
                                                  statistics=statistics))
        if self.track_running_stats:
            count = statistics["count"]
            for buffer, value in ((self.running_mean, statistics["mean"]),
                                  (self.running_var, statistics["var"] * (count / (count - 1)))):
                data = buffer._node.data
                data *= 1 - momentum
                data += momentum * np.asarray(value, data.dtype)
        return F.relu(output) if relu else output

    def _group(self):
        from strided.torch import distributed

        if not distributed.is_initialized():
            return None
        return distributed._group.check_group(self.process_group, "SyncBatchNorm")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm*d replaced by a SyncBatchNorm sharing its parameters and buffers."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            # the same Parameter and buffer objects, in their places (register_* would reorder them)
            converted._parameters.update((name, module._parameters.get(name)) for name in ("weight", "bias"))
            converted._buffers.update((name, module._buffers.get(name))
                                      for name in ("running_mean", "running_var", "num_batches_tracked"))
            converted.training = module.training
            converted.use_bias = getattr(module, "use_bias", True)
        for name, child in list(module.named_children()):
            converted._modules[name] = cls.convert_sync_batchnorm(child, process_group)  # keeps the order
        return converted
