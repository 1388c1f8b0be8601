"""conv1d / conv2d / conv_transpose2d on NCHW tensors with PyTorch's weight layouts.

PyTorch stores a convolution weight as (out, in / groups, kh, kw); strided's `ops.conv`
takes (kh, kw, in / groups, out) (Keras' layout). The weight is permuted by a differentiable
transpose (a view); 2-D inputs run channels-last on a view (`_layout.py`), so this file copies
no feature map to another layout. Output size (PyTorch's formula):

    H' = floor((H + 2p - d*(kh - 1) - 1) / s) + 1
"""

from strided import ops
from strided.torch._shaping import cat
from strided.torch._tensor import wrap
from strided.torch.nn.functional._helpers import check_tensor, pair
from strided.torch.nn.functional._layout import channels_first, channels_last


def _padding(op, padding, kernel, stride, dilation):
    """PyTorch's padding (int, tuple, "same", "valid") as explicit (before, after) pairs."""
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in kernel)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(f"{op}: Invalid padding string '{padding}', should be one of ['valid', 'same']")
    return tuple((p, p) for p in pair(padding, "padding", len(kernel)))


def _check(op, input, weight, rank, groups):  # noqa: A002
    check_tensor(op, "input", input)
    check_tensor(op, "weight", weight)
    if weight.dim() != rank + 2:
        raise RuntimeError(f"{op}: expected a {rank + 2}-D weight, got weight of size {list(weight.shape)}")
    if input.dim() not in (rank + 1, rank + 2):
        raise RuntimeError(
            f"Expected {rank + 1}D (unbatched) or {rank + 2}D (batched) input to {op}, but got input of "
            f"size: {list(input.shape)}"
        )
    batched = input.dim() == rank + 2
    channels = input.shape[1 if batched else 0]
    if channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got {channels} "
            f"channels instead"
        )
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} (use x.float())")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same; "
            f"convert one with .to({weight.dtype})"
        )
    return batched


def _conv(op, rank, input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    batched = _check(op, input, weight, rank, groups)
    x = input._node if batched else ops.expand_dims(input._node, 0)
    stride = pair(stride, "stride", rank)
    dilation = pair(dilation, "dilation", rank)
    kernel_size = tuple(weight.shape[2:])
    pads = _padding(op, padding, kernel_size, stride, dilation)
    order = (*range(2, rank + 2), 1, 0)  # (out, in, *k) -> (*k, in, out)
    kernel = ops.transpose(weight._node, order)
    bias_node = None if bias is None else bias._node
    if rank == 2 and not (groups > 1 and weight.shape[1] == 1):  # depthwise: on its planes, channels-first
        y = channels_first(ops.conv_bias_activation(
            channels_last(x), kernel, bias_node, None, stride, pads, data_format="channels_last",
            dilation_rate=dilation,
        ))
    else:
        y = ops.conv_bias_activation(x, kernel, bias_node, None, stride, pads, data_format="channels_first",
                                     dilation_rate=dilation)
    return wrap(y if batched else ops.squeeze(y, 0))


def conv2d_fused(input, kernel, bias, stride, padding, dilation, relu=False, pool=None):  # noqa: A002
    """relu?(conv2d(input) + bias), then max_pool2d(pool) when `pool` is given, as one engine op.

    For `nn.Sequential`'s fusions (`modules/_fusion.py`): `input` a 4-D float Tensor already
    checked by the caller, `kernel` an engine tensor in the engine's (kh, kw, in, out) layout
    (a weight's differentiable transpose, or a batch norm folded into it), `bias` an engine
    tensor or None, groups 1; `pool` a (ph, pw) window whose stride is the window.
    """
    stride = pair(stride, "stride")
    dilation = pair(dilation, "dilation")
    pads = _padding("conv2d", padding, tuple(kernel.data.shape[:2]), stride, dilation)
    x = channels_last(input._node)
    if pool is None:
        y = ops.conv_bias_activation(x, kernel, bias, "relu" if relu else None, stride, pads,
                                     data_format="channels_last", dilation_rate=dilation)
    else:
        y = ops.conv_relu_max_pool(x, kernel, bias, stride, pads, data_format="channels_last",
                                   dilation_rate=dilation, pool_size=pool)
    return wrap(channels_first(y))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution of (N, C_in, L) by weight (C_out, C_in / groups, k): (N, C_out, L')."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation) of (N, C_in, H, W) by weight (C_out, C_in / groups, kh, kw).

    Example (the lessons' stride-2, padding-1 example):
        >>> x = torch.tensor([[1., 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]])[None, None]
        >>> k = torch.tensor([[1., 1, 1], [0, 0, 0], [1, 1, 1]])[None, None]
        >>> F.conv2d(x, k, stride=2, padding=1)
        tensor([[[[1., 2.],
                  [2., 4.]]]])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed convolution of (N, C_in, H, W) by weight (C_in, C_out / groups, kh, kw).

    Shape: H' = (H - 1)*s - 2p + d*(kh - 1) + output_padding + 1.
    """
    check_tensor("conv_transpose2d", "input", input)
    batched = input.dim() == 4
    if not batched:
        input = input.unsqueeze(0)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input {list(input.shape)} "
            f"to have {weight.shape[0]} channels, but got {input.shape[1]} channels instead"
        )
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    padding, output_padding = pair(padding, "padding"), pair(output_padding, "output_padding")
    per_group_in = weight.shape[0] // groups
    outputs = []
    for g in range(groups):
        x = input if groups == 1 else input[:, g * per_group_in:(g + 1) * per_group_in]
        w = weight if groups == 1 else weight[g * per_group_in:(g + 1) * per_group_in]
        kernel = ops.transpose(w._node, (2, 3, 1, 0))  # (in, out, kh, kw) -> (kh, kw, out, in)
        outputs.append(wrap(channels_first(ops.conv_transpose(
            channels_last(x._node), kernel, stride, padding, output_padding, data_format="channels_last",
            dilation_rate=dilation,
        ))))
    y = outputs[0] if groups == 1 else cat(outputs, 1)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y if batched else y.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 1-D convolution of (N, C_in, L) by weight (C_in, C_out / groups, k): a 2-D one of height 1."""
    batched = input.dim() == 3
    x = (input if batched else input.unsqueeze(0)).unsqueeze(2)
    one = lambda value, name: (1, pair(value, name, 1)[0])  # noqa: E731
    y = conv_transpose2d(x, weight.unsqueeze(2), bias, one(stride, "stride"), (0, pair(padding, "padding", 1)[0]),
                         (0, pair(output_padding, "output_padding", 1)[0]), groups, one(dilation, "dilation"))
    y = y.squeeze(2)
    return y if batched else y.squeeze(0)
