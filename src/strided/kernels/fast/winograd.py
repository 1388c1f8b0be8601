"""Winograd F(2x2, 3x3): a 3x3, stride-1 convolution with 2.25 times fewer multiplications.

Accelerates `kernels.reference.conv` (conv2d and conv2d_backward, 3x3 kernel, stride 1,
dilation 1, no groups). The idea (Lavin & Gray, "Fast Algorithms for Convolutional Neural
Networks", 2015): a 2x2 block of outputs reads a 4x4 tile d of the padded input, and

    Y = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise, per input and output channel)

with g the 3x3 kernel and

          | 1   0  -1   0 |           | 1    0    0  |
    B^T = | 0   1   1   0 |       G = | 1/2  1/2  1/2 |       A^T = | 1  1   1   0 |
          | 0  -1   1   0 |           | 1/2 -1/2  1/2 |             | 0  1  -1  -1 |
          | 0   1   0  -1 |           | 0    0    1  |

The elementwise product, summed over the input channels, is 16 matrix products, one per
position xi of the 4x4 transformed tile:

    M[xi] = V[xi] @ U[xi]      V[xi]: (tiles, C) = B^T d B at xi     U[xi]: (C, O) = G g G^T at xi

16 multiply-adds per tile and channel pair instead of im2col's 4 outputs x 9 = 36. The
transforms are additions only (B, A) or done once per call (G), and their passes over memory
are what the saving has to pay for: `conv_methods` weighs the two with a cost model.

The gradients are Winograd too:

* dX: dX[i, j, c] = sum_{a, b, o} dY_pad[i + a, j + b, o] K[2-a, 2-b, c, o], dY padded by 2-p:
  the same transform with the kernel flipped and its channel axes swapped;
* dK: the kernel's gradient through the formula above, dU[xi] = V[xi]^T @ (A dY_tile A^T)[xi]
  summed over a leaf's tiles, then dK = G^T dU G, summed over the leaves.

Shapes as the fast convolution's (`kernels.fast.conv`): x (N, H, W, C), kernel (3, 3, C, O),
y (N, H', W', O) with H' = H + p_top + p_bottom - 2; the last row and column of tiles are partial
when H' or W' is odd (the input is padded with zeros to whole tiles, the extra outputs dropped).
The batch runs leaf by leaf on `kernels.parallel`'s threads (`for_each_chunk`), dK and db are
added along the batch's halving tree: the same bits on any number of threads or processes.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.im2col import pad_into
from strided.kernels.fast.tuning import WINOGRAD_GRADIENT_LEAF_RATIO, WINOGRAD_KERNEL_BLOCK
from strided.kernels.parallel import for_each_chunk, images_per_chunk

# Kernel transform G g G^T as one (16, 9) matrix acting on the 9 taps (row-major): kron(G, G).
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], np.float32)
KERNEL_TRANSFORM = np.kron(G, G)
# Output transform as one (4, 16) matrix: row 2p+q is output (p, q) of a tile, column 4r+s the
# transformed position (r, s): kron(A^T, A^T).
OUTPUT_TRANSFORM = np.kron(np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float32),
                           np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float32))


def applies(kernel_shape, strides, dilation, groups, pads, output_hw):
    """Whether this convolution is one Winograd F(2x2, 3x3) computes: 3x3 kernel, stride 1,
    dilation 1, no groups, padding 0..2 per side (so dX's padding 2-p is one too)."""
    return (tuple(kernel_shape[:2]) == (3, 3) and tuple(strides) == (1, 1)
            and tuple(dilation) == (1, 1) and groups == 1 and min(output_hw) >= 1
            and all(0 <= p <= 2 for pair in pads for p in pair))


def tile_counts(output_hw):
    """(tile rows, tile columns) covering an (H', W') output with 2x2 tiles."""
    return (output_hw[0] + 1) // 2, (output_hw[1] + 1) // 2


def transformed_kernel(kernel):
    """U = G g G^T for every (input, output) channel pair: (3, 3, C, O) -> (16, C, O).

    As one product kron(G, G) (16, 9) @ g (9, C*O), in fixed blocks of columns on the kernel
    threads (`_blockwise_product`)."""
    channels, out_channels = kernel.shape[2:]
    flat = kernel.reshape(9, channels * out_channels)
    return _blockwise_product(KERNEL_TRANSFORM.astype(kernel.dtype, copy=False), flat).reshape(
        16, channels, out_channels)


def flipped_transformed_kernel(transformed):
    """The transformed kernel of K[::-1, ::-1] with its channel axes swapped (dX's kernel), as a
    view of U: G reverses its columns by swapping its rows 0 and 3, so flipping g swaps the
    positions 0 and 3 on both axes of U; then each (C, O) matrix is transposed."""
    order = np.array([3, 1, 2, 0])
    positions = (order[:, None] * 4 + order[None, :]).reshape(-1)
    return transformed[positions].transpose(0, 2, 1)


def kernel_from_transformed_gradient(transformed):
    """dK = G^T dU G: (16, C, O) gradient of U -> (3, 3, C, O) gradient of the kernel.

    Made for each leaf of the batch, before the leaves' sums: the transform is linear, but its
    rounding is not, and a process computing part of the batch sums whole dK's."""
    channels, out_channels = transformed.shape[1:]
    flat = transformed.reshape(16, channels * out_channels)
    return (KERNEL_TRANSFORM.T.astype(flat.dtype) @ flat).reshape(3, 3, channels, out_channels)


def _blockwise_product(matrix, columns):
    """matrix @ columns, a fixed block of columns at a time on the kernel threads (the bounds,
    hence the rounding, depend on nothing but the shapes), each product on one BLAS thread."""
    result = np.empty((matrix.shape[0], columns.shape[1]), columns.dtype)

    def block(start, stop, scratch):
        result[:, start:stop] = matrix @ columns[:, start:stop]

    width = columns.shape[1]
    for_each_chunk(block, width, WINOGRAD_KERNEL_BLOCK, WINOGRAD_KERNEL_BLOCK, batch=False)
    return result


def transform_input(part, pads, tiles, scratch, name="v"):
    """V = B^T d B of every 4x4 tile of `part` (m, H, W, C) padded by `pads` (and with zeros to
    whole tiles): (16, m * tile rows * tile columns, C), in the thread's buffer `name`.

    Separable: B^T on the rows (4 passes over half-height row sets), then B on the columns
    (16 passes, each writing one position of V).
    """
    m, height, width, channels = part.shape
    rows, columns = tiles
    (top, _), (left, _) = pads
    padded_pads = ((top, 2 * rows + 2 - top - height), (left, 2 * columns + 2 - left - width))
    padded = pad_into(scratch.buffer(name + "_padded", (m, 2 * rows + 2, 2 * columns + 2, channels),
                                     part.dtype), part, padded_pads)
    v = scratch.buffer(name, (16, m * rows * columns, channels), part.dtype)
    by_rows = scratch.buffer(name + "_rows", (4, m, rows, 2 * columns + 2, channels), part.dtype)
    _b_transposed(*(padded[:, r:r + 2 * rows:2] for r in range(4)), out=by_rows)
    for r in range(4):
        targets = v[4 * r:4 * r + 4].reshape(4, m, rows, columns, channels)
        _b_transposed(*(by_rows[r][:, :, s:s + 2 * columns:2] for s in range(4)), out=targets)
    return v


def _b_transposed(d0, d1, d2, d3, out):
    """out[0..3] = B^T @ (d0, d1, d2, d3): d0 - d2, d1 + d2, d2 - d1, d1 - d3."""
    np.subtract(d0, d2, out=out[0])
    np.add(d1, d2, out=out[1])
    np.subtract(d2, d1, out=out[2])
    np.subtract(d1, d3, out=out[3])


def transform_output_gradient(gy, tiles, scratch):
    """A dY_tile A^T of every 2x2 tile of dY `gy` (m, H', W', O), zeros past its edge:
    (16, m * tile rows * tile columns, O). A = A^T's transpose: (u, v) -> (u, u + v, u - v, -v)."""
    m, out_h, out_w, channels = gy.shape
    rows, columns = tiles
    whole = scratch.buffer("gy_tiles", (m, 2 * rows, 2 * columns, channels), gy.dtype)
    pad_into(whole, gy, ((0, 2 * rows - out_h), (0, 2 * columns - out_w)))
    z = scratch.buffer("z", (16, m * rows * columns, channels), gy.dtype)
    by_rows = scratch.buffer("z_rows", (4, m, rows, 2 * columns, channels), gy.dtype)
    _a_rows(whole[:, 0::2], whole[:, 1::2], by_rows)
    for r in range(4):
        _a_rows(by_rows[r][:, :, 0::2], by_rows[r][:, :, 1::2],
                z[4 * r:4 * r + 4].reshape(4, m, rows, columns, channels))
    return z


def _a_rows(u, v, out):
    """out[0..3] = A @ (u, v): u, u + v, u - v, -v."""
    out[0] = u
    np.add(u, v, out=out[1])
    np.subtract(u, v, out=out[2])
    np.negative(v, out=out[3])


BIAS_POSITION = 5  # (1, 1) of the 4x4 transformed tile: OUTPUT_TRANSFORM[:, 5] is all ones


def transform_back(m_products, y, tiles, scratch):
    """y[...] = A^T M A for every tile: M (16, m * tiles, O) -> y (m, H', W', O), the outputs past
    an odd H' or W' dropped. One small GEMM (`OUTPUT_TRANSFORM`), then four strided copies."""
    m, out_h, out_w, channels = y.shape
    rows, columns = tiles
    blocks = scratch.buffer("blocks", (4, m_products.shape[1] * channels), y.dtype)
    np.matmul(OUTPUT_TRANSFORM.astype(y.dtype, copy=False), m_products.reshape(16, -1), out=blocks)
    for p in range(2):
        for q in range(2):
            block = blocks[2 * p + q].reshape(m, rows, columns, channels)
            y[:, p::2, q::2] = block[:, :(out_h - p + 1) // 2, :(out_w - q + 1) // 2]


def floats_per_image(input_hw, output_hw, in_channels, out_channels):
    """The working set of one image, in floats (V, the products M, the padded input and the
    half-transformed rows): for `kernels.parallel.images_per_chunk`."""
    rows, columns = tile_counts(output_hw)
    tiles = rows * columns
    padded = (input_hw[0] + 2) * (input_hw[1] + 2) * in_channels
    return 16 * tiles * (in_channels + out_channels) + 3 * padded


def correlate(source, transformed, pads, out, scratch, bias=None, relu=False):
    """out[...] = the 3x3 stride-1 correlation of `source` (m, H, W, C) padded by `pads`, with
    the transformed kernel (16, C, O) (+ bias, ReLU), by F(2x2, 3x3); out is (m, H', W', O)."""
    tiles = tile_counts(out.shape[1:3])
    v = transform_input(source, pads, tiles, scratch)
    products = scratch.buffer("m", (16, v.shape[1], transformed.shape[-1]), out.dtype)
    np.matmul(v, transformed, out=products)
    if bias is not None:  # A^T's column 1 is all ones: added at (1, 1), a bias reaches every output
        elementwise.per_channel(np.add, products[BIAS_POSITION], bias, products[BIAS_POSITION])
    transform_back(products, out, tiles, scratch)
    if relu:
        flat = out.reshape(-1, out.shape[-1])
        elementwise.relu(flat, flat)


def winograd_conv2d_forward(x, kernel, pads, bias=None, relu=False, training=True):
    """(y, saved) of a 3x3 stride-1 convolution (`applies`), as `kernels.fast.conv.conv2d_forward`
    returns them: `saved` is (x, None)."""
    n, height, width, channels = x.shape
    out_channels = kernel.shape[-1]
    output_hw = (height + sum(pads[0]) - 2, width + sum(pads[1]) - 2)
    transformed = transformed_kernel(kernel)
    channel_bias = None if bias is None else elementwise.ChannelVector(bias)
    y = np.empty((n, *output_hw, out_channels), x.dtype)

    def chunk(start, stop, scratch):
        correlate(x[start:stop], transformed, pads, y[start:stop], scratch, channel_bias, relu)

    per_image = floats_per_image((height, width), output_hw, channels, out_channels)
    for_each_chunk(chunk, n, images_per_chunk(per_image, training))
    return y, (x, None)


def winograd_conv2d_backward(gy, saved, x_shape, kernel, pads, need_dx=True, need_dkernel=True,
                             need_dbias=False, relu_output=None):
    """(dx, dkernel, dbias) of `winograd_conv2d_forward` for dY `gy` (N, H', W', O); `saved` is
    what it returned, `relu_output` its output when it applied a ReLU (gy is masked by y > 0)."""
    x = saved[0]
    n, out_h, out_w, out_channels = gy.shape
    channels = kernel.shape[2]
    tiles = tile_counts((out_h, out_w))
    dx = np.empty(x_shape, gy.dtype) if need_dx else None
    flipped = flipped_transformed_kernel(transformed_kernel(kernel)) if need_dx else None
    dx_pads = tuple((2 - before, 2 - after) for before, after in pads)

    def chunk(start, stop, scratch):
        chunk_gy = elementwise.masked_by_relu(
            gy[start:stop], None if relu_output is None else relu_output[start:stop], scratch)
        if need_dx:
            correlate(chunk_gy, flipped, dx_pads, dx[start:stop], scratch)
        if need_dkernel:
            v = transform_input(x[start:stop], pads, tiles, scratch)
            z = transform_output_gradient(chunk_gy, tiles, scratch)
            gradient = kernel_from_transformed_gradient(np.matmul(v.transpose(0, 2, 1), z))
            scratch.add("dkernel", gradient, fresh=True)
        if need_dbias:
            scratch.add("dbias", elementwise.column_sums(chunk_gy.reshape(-1, out_channels)))

    per_image = floats_per_image(x_shape[1:3], (out_h, out_w), channels, out_channels)
    tiles_per_image = tiles[0] * tiles[1]
    step = images_per_chunk(per_image + need_dkernel * 16 * tiles_per_image * out_channels)
    if need_dkernel:  # each leaf makes a (16, C, O) dU and its dK: leaves large enough to carry it
        transforms = 16 * tiles_per_image * (channels + out_channels)  # V and Z, per image
        gradient = WINOGRAD_GRADIENT_LEAF_RATIO * 16 * channels * out_channels
        step = max(step, -(-gradient // transforms))
    sums = for_each_chunk(chunk, n, step)
    dkernel = sums["dkernel"] if need_dkernel else None
    dbias = sums["dbias"] if need_dbias else None
    return dx, dkernel, dbias
