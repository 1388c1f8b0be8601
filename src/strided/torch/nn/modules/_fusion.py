"""nn.Sequential's fusions: runs of stock modules computed as one engine op each.

A model written the PyTorch way spells out every step of a block,

    nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2))
    nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))

and a Keras model the same block as fewer layers; strided runs both on the engine's fused ops
(the Keras side's `strided.models.fusion`), each one Function with its own backward:

- Conv2d -> ReLU (-> MaxPool2d): `ops.conv_bias_activation(relu)`, or `ops.conv_relu_max_pool`,
  which never stores the convolution's full-size output;
- BatchNorm -> ReLU: the batch norm kernel applies the ReLU while the chunk is in cache;
- BatchNorm -> ReLU -> MaxPool2d (in training): `ops.batch_norm_train(relu, pool_size)`, which
  never stores the normalised full-size map (lesson 004's blocks);
- Linear -> ReLU: the ReLU in place on the GEMM's output;
- without gradients (`torch.no_grad()`, `inference_mode()`), Conv2d -> BatchNorm2d in eval()
  (-> ReLU (-> MaxPool2d)): the batch norm's running statistics folded into the convolution's
  weights and bias (as PyTorch's `torch.nn.utils.fusion.fuse_conv_bn_eval`), so inference is one
  convolution (with the ReLU and pooling fused as above).

A run is fused only when nothing could tell the difference but float rounding: every module
is the stock class (a subclass overriding `forward` runs on its own), none has hooks, the
arguments are the ones the fused op computes exactly (groups 1, zero padding, max pooling
with stride == window, no padding, dilation or indices), and no ONNX export is recording
(it writes the modules' own ops). `fused_run` finds the longest such run at a position.
"""


from strided import ops
from strided.autograd import is_grad_enabled, trace
from strided.torch._tensor import Tensor, wrap
from strided.torch.nn.functional._helpers import pair
from strided.torch.nn.functional._linear import linear_node
from strided.torch.nn.functional.conv import conv2d_fused


def fused_run(modules, index, input):  # noqa: A002
    """(output, number of modules it stands for) for the fusable run at modules[index], else None."""
    from strided.torch.nn.modules.activation import ReLU
    from strided.torch.nn.modules.conv import Conv2d
    from strided.torch.nn.modules.linear import Linear
    from strided.torch.nn.modules.normalization import _BatchNorm

    first = modules[index]
    following = modules[index + 1:index + 4]
    if not following or not isinstance(input, Tensor) or trace.active() is not None or not _plain(first):
        return None
    kinds = [_kind(m, ReLU) for m in following]
    if type(first) is Conv2d and _plain_conv(first, input):
        if kinds[0] == "relu":
            pool = _pool(following[1]) if len(following) > 1 else None
            return _counted(_conv(first, input, relu=True, pool=pool), 2 + (pool is not None))
        if isinstance(following[0], _BatchNorm) and _plain(following[0]) and _foldable(following[0], first):
            relu = kinds[1:2] == ["relu"]
            pool = _pool(following[2]) if relu and len(following) > 2 else None
            return _counted(_conv_folded(first, following[0], input, relu, pool), 2 + relu + (pool is not None))
        return None
    if kinds[0] != "relu":
        return None
    if isinstance(first, _BatchNorm) and type(first).forward is _BatchNorm.forward:
        pool = _pool(following[1]) if len(following) > 1 else None
        if pool is not None and type(first)._normalize is _BatchNorm._normalize and input.dim() == 4 \
                and all(p <= n for p, n in zip(pool, input.shape[2:])):  # (SyncBatchNorm has its own)
            return first.forward_relu_pool(input, pool), 3
        return first.forward_relu(input), 2
    if type(first) is Linear and input.dim() >= 1 and input.dtype == first.weight.dtype \
            and input.shape[-1] == first.in_features:
        bias = None if first.bias is None else first.bias._node
        return wrap(linear_node(input._node, first.weight._node, bias, relu=True)), 2
    return None


def _counted(output, count):
    return None if output is None else (output, count)


def _plain(module):
    """A module whose call is its forward alone: no hooks."""
    return not module._forward_hooks and not module._forward_pre_hooks


def _kind(module, relu_class):
    if type(module) is relu_class and _plain(module):
        return "relu"
    return None


def _plain_conv(conv, input):  # noqa: A002
    """Whether the fused convolutions compute this Conv2d exactly on this input."""
    return (conv.groups == 1 and conv.padding_mode == "zeros" and input.dim() == 4
            and input.shape[1] == conv.in_channels and input.is_floating_point()
            and input.dtype == conv.weight.dtype)


def _pool(module):
    """The window of a MaxPool2d that `ops.conv_relu_max_pool` computes exactly, else None."""
    from strided.torch.nn.modules.pooling import MaxPool2d

    if type(module) is not MaxPool2d or not _plain(module) or module.return_indices or module.ceil_mode:
        return None
    try:
        window = pair(module.kernel_size, "kernel_size")
        stride = pair(module.stride, "stride")
        padding, dilation = pair(module.padding, "padding"), pair(module.dilation, "dilation")
    except (TypeError, ValueError):
        return None  # the module's own forward will say what is wrong
    if stride != window or padding != (0, 0) or dilation != (1, 1):
        return None
    return window


def _conv(conv, input, relu, pool):  # noqa: A002
    kernel = ops.transpose(conv.weight._node, (2, 3, 1, 0))  # (out, in, kh, kw) -> (kh, kw, in, out)
    bias = None if conv.bias is None else conv.bias._node
    return _run_fused(input, kernel, bias, conv, relu, pool)


def _run_fused(input, kernel, bias, conv, relu, pool):  # noqa: A002
    """The fused op, or None when it refuses its arguments (an input smaller than the kernel or
    the pooling window): the modules then run one by one and say what is wrong, in PyTorch's words."""
    try:
        return conv2d_fused(input, kernel, bias, conv.stride, conv.padding, conv.dilation, relu, pool)
    except ValueError:
        return None


def _foldable(norm, conv):
    """Whether batch norm `norm` can be folded into the convolution `conv` before it: eval()
    with running statistics, no gradient recorded, channels matching."""
    from strided.torch.nn.modules.normalization import BatchNorm2d

    return (type(norm) is BatchNorm2d and not norm.training and norm.track_running_stats
            and norm.running_mean is not None and norm.num_features == conv.out_channels and not is_grad_enabled())


def _conv_folded(conv, norm, input, relu, pool):  # noqa: A002
    """conv -> batch norm (eval) [-> relu [-> pool]] as one convolution with folded weights
    (`ops.batch_norm_fold`, as the Keras side's `models.fusion`):

        scale = gamma / sqrt(running_var + eps)
        W' = W * scale (per output channel)      b' = (b - running_mean) * scale + beta
    """
    def node(tensor):
        return None if tensor is None else tensor._node

    kernel = ops.transpose(conv.weight._node, (2, 3, 1, 0))  # (out, in, kh, kw) -> (kh, kw, in, out)
    kernel, bias = ops.batch_norm_fold(kernel, node(conv.bias), norm.running_mean._node, norm.running_var._node,
                                       node(norm.weight), node(norm.bias), norm.eps)
    return _run_fused(input, kernel, bias, conv, relu, pool)
