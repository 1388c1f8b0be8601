"""NCHW tensors computed channels-last: the ops run on NHWC *views*, so no layout copies are made.

strided's kernels work on (N, H, W, C) arrays. A PyTorch image tensor is (N, C, H, W). Instead
of copying to NHWC before each op and back after it, the 2-D ops here take a transposed view
(`channels_last`, a differentiable `ops.transpose`, which costs nothing), run the op with
data_format="channels_last", and hand back the transposed view of its output (`channels_first`).
The result is logically NCHW (shape, indexing, reshape: all PyTorch's) but its memory is NHWC,
so the next conv / batch norm / pooling finds its input already contiguous in the layout it
wants; a copy happens only where NCHW order is really needed (a `reshape` to (N, C*H*W)), once,
at the model's edge.
"""

from strided import ops

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


def channels_last(node):
    """The (N, H, W, C) view of a 4-D (N, C, H, W) engine tensor."""
    return ops.transpose(node, TO_NHWC)


def channels_first(node):
    """The (N, C, H, W) view of a 4-D (N, H, W, C) engine tensor."""
    return ops.transpose(node, TO_NCHW)


def pointwise(op, node):
    """op(node) for an elementwise op, run on the channels-last view when that is the contiguous
    one (the output of a conv or batch norm here): the fast kernels need contiguous arrays, and
    the result keeps the same memory layout."""
    data = node.data
    if data.ndim == 4 and not data.flags.c_contiguous and data.transpose(TO_NHWC).flags.c_contiguous:
        return channels_first(op(channels_last(node)))
    return op(node)
