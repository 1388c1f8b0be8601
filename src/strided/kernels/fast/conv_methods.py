"""Which way the fast kernels run a 2-D convolution: im2col or Winograd F(2x2, 3x3).

`conv2d_forward` and `conv2d_backward` have the interface of `kernels.fast.conv` (the same
arguments, the same `saved`) and route each call to `kernels.fast.winograd` when it applies
(3x3, stride 1, dilation 1, no groups, padding 0..2) and the cost model below finds it
cheaper, else to `kernels.fast.conv`. Both compute `kernels.reference.conv`, to float rounding.

The cost model counts GEMM multiply-adds (each GEMM output costing GEMM_OUTPUT_COST more: a
shallow GEMM runs below the BLAS's peak), plus every float a pass over memory writes at
WINOGRAD_FLOAT_COST multiply-adds each (constants in `kernels.fast.tuning`). For an
(N, H', W') output with P = N*H'*W' pixels and T = N*ceil(H'/2)*ceil(W'/2) tiles of 2x2, C
input and O output channels, g = GEMM_OUTPUT_COST, f = WINOGRAD_FLOAT_COST:

    im2col:    P*O*(9*C + g)       + f * P * (IM2COL_FLOATS*C + 4*r + O)
    Winograd:  16*T*O*(C + g)      + f * (T * (INPUT_FLOATS*(C + r) + OUTPUT_FLOATS*(O + r))
                                          + KERNEL_FLOATS*C*O)

where r = NUMPY_RUN_FLOATS charges each contiguous run of a pass (NumPy's inner loop restarts
there: the transforms run along rows of C or O floats, im2col's copy along rows of 3*C).

So Winograd wins where the channels are many (the GEMMs dominate: 16 multiply-adds per tile
against 36) and loses where they are few (the transforms' passes and shallow GEMMs dominate)
or where the images are small beside the kernel (its transform, once a call, dominates).
The backward pass adds the same costs for what it computes: dX, a convolution of dY with C
and O swapped, and dK, the products of the input's transform with dY's (the forward's
cost; im2col gets it for free from dY's im2col matrix, the correlation, when it made dX).
"""

from strided.kernels import collective
from strided.kernels.fast import conv, winograd
from strided.kernels.fast.im2col import conv_output_hw
from strided.kernels.fast.tuning import (
    GEMM_OUTPUT_COST,
    IM2COL_FLOATS,
    NUMPY_RUN_FLOATS,
    WINOGRAD_FLOAT_COST,
    WINOGRAD_INPUT_FLOATS,
    WINOGRAD_KERNEL_FLOATS,
    WINOGRAD_OUTPUT_FLOATS,
)


def im2col_cost(pixels, in_channels, out_channels, copies=True):
    """Cost of an im2col convolution with a 3x3 kernel and `pixels` output pixels (without the
    im2col copy when `copies` is False: a matrix another pass made)."""
    floats = 0
    if copies:  # the patches' copy (runs of 3*C floats) and the padded input (runs of C)
        floats = pixels * (IM2COL_FLOATS * in_channels + 4 * NUMPY_RUN_FLOATS + out_channels)
    multiply_adds = pixels * out_channels * (9 * in_channels + GEMM_OUTPUT_COST)
    return multiply_adds + WINOGRAD_FLOAT_COST * floats


def winograd_cost(tiles, in_channels, out_channels):
    """Cost of the same by Winograd F(2x2, 3x3) over `tiles` 2x2 output tiles (its transforms'
    passes run along rows of C or O floats)."""
    floats = (tiles * (WINOGRAD_INPUT_FLOATS * (in_channels + NUMPY_RUN_FLOATS)
                       + WINOGRAD_OUTPUT_FLOATS * (out_channels + NUMPY_RUN_FLOATS))
              + WINOGRAD_KERNEL_FLOATS * in_channels * out_channels)
    multiply_adds = 16 * tiles * out_channels * (in_channels + GEMM_OUTPUT_COST)
    return multiply_adds + WINOGRAD_FLOAT_COST * floats


def prefers_winograd(x_shape, kernel_shape, strides, pads, dilation, groups, need_dx=False,
                     need_dkernel=False):
    """Whether Winograd applies to this convolution and costs less than im2col: for the forward
    pass (by default), or for the backward pass's dX and/or dK. The images counted are the
    whole batch's when processes share it (`kernels.collective.whole_batch`): every process,
    and one alone, choose the same method, and so compute the same bits."""
    output_hw = conv_output_hw(x_shape, kernel_shape, strides, pads, dilation)
    if not winograd.applies(kernel_shape, strides, dilation, groups, pads, output_hw):
        return False
    rows, columns = winograd.tile_counts(output_hw)
    images = collective.whole_batch(x_shape[0])  # ranks sharing a batch choose by the whole batch, alike
    pixels, tiles = images * output_hw[0] * output_hw[1], images * rows * columns
    c, o = kernel_shape[2], kernel_shape[3]
    if not (need_dx or need_dkernel):  # the forward pass
        return winograd_cost(tiles, c, o) < im2col_cost(pixels, c, o)
    by_winograd = need_dx * winograd_cost(tiles, o, c) + need_dkernel * winograd_cost(tiles, c, o)
    # dK by im2col reuses dY's im2col matrix when dX made it (the correlation), else copies x's
    by_im2col = (need_dx * im2col_cost(pixels, o, c)
                 + need_dkernel * im2col_cost(pixels, c, o, copies=not need_dx))
    return by_winograd < by_im2col


def conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                   bias=None, relu=False, training=True):
    """`kernels.fast.conv.conv2d_forward`, by Winograd where the cost model prefers it."""
    if prefers_winograd(x.shape, kernel.shape, strides, pads, dilation, groups):
        return winograd.winograd_conv2d_forward(x, kernel, pads, bias, relu, training)
    return conv.conv2d_forward(x, kernel, strides, pads, dilation, groups, bias, relu, training)


def conv2d_backward(gy, saved, x_shape, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                    dilation=(1, 1), groups=1, need_dx=True, need_dkernel=True, need_dbias=False,
                    relu_output=None):
    """`kernels.fast.conv.conv2d_backward`, by Winograd where the cost model prefers it (for the
    gradients asked for; either forward's `saved` will do: its first item is x)."""
    need_dx, need_dkernel = bool(need_dx), bool(need_dkernel)
    gradients = need_dx or need_dkernel
    if gradients and prefers_winograd(x_shape, kernel.shape, strides, pads, dilation, groups,
                                      need_dx, need_dkernel):
        return winograd.winograd_conv2d_backward(gy, saved, x_shape, kernel, pads, need_dx,
                                                 need_dkernel, need_dbias, relu_output)
    return conv.conv2d_backward(gy, saved, x_shape, kernel, strides, pads, dilation, groups,
                                need_dx, need_dkernel, need_dbias, relu_output)
