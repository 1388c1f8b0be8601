"""Column phases: the rows a block of a depthwise convolution reads, laid out so that every
kernel tap's window is rows of W'*C contiguous floats, whatever the width stride.

Used by `depthwise.windowed_sum` and `depthwise.windowed_products_sum` (the fast forms of
`kernels.reference.depthwise`). With a width stride s, output column j of tap b reads padded
column j*s + b*d. Split the padded columns by position modulo s -- phase p holds columns
p, p + s, p + 2s, ... -- and that column is column j + (b*d) // s of phase (b*d) % s: the
window of W' output columns is W' *consecutive* columns of one phase, W'*C contiguous floats
(channels-last). The split is one copy of the block's input rows into a per-thread buffer
(in the cache), made straight from the unpadded input: the padding is written as zeros there,
so the whole padded image is never made.

Taps whose columns fall in the same phase at evenly spaced offsets form a *group* (all kw
taps when s = 1; for s = 2 and d = 1, the even taps and the odd ones): one strided view
covers a group's taps for every row of the block, so a group is one `np.einsum`.

    phases[r, p, q, c] = x_pad[top + r, q*s + p, c]        (zero outside x)
"""

import math
from typing import NamedTuple

import numpy as np

from strided.kernels.parallel import for_each_chunk


class ColumnGroup(NamedTuple):
    """Kernel columns b = first, first + step, ... (count of them), all in column phase
    `phase` at phase offsets offset, offset + offset_step, ..."""

    first: int
    step: int
    count: int
    phase: int
    offset: int
    offset_step: int


def column_groups(kernel_width, stride, dilation):
    """The kernel's columns grouped by phase, each group evenly spaced within its phase."""
    step = stride // math.gcd(stride, dilation)  # b and b + step land in the same phase
    groups = []
    for first in range(min(step, kernel_width)):
        count = len(range(first, kernel_width, step))
        groups.append(ColumnGroup(first, step, count, (first * dilation) % stride,
                                  (first * dilation) // stride, step * dilation // stride))
    return groups


def phase_width(padded_width, stride):
    """Columns per phase: ceil(W_pad / s)."""
    return -(-padded_width // stride)


def fill_phases(x, image, top, pads, phases):
    """phases[r, p, q, :] = x_pad[image, top + r, q*s + p, :], x_pad being x (N, H, W, C)
    zero-padded by pads ((top, bottom), (left, right)) -- padding that may be negative (a
    crop). Shapes: phases (rows, s, Wq, C). Returns phases."""
    lines, stride, width, _ = phases.shape
    height, x_width = x.shape[1:3]
    first_row = top - pads[0][0]  # x's row in phases' row 0
    lo, hi = max(0, -first_row), max(0, min(lines, height - first_row))
    lo = min(lo, hi)
    phases[:lo] = 0
    phases[hi:] = 0
    for phase in range(stride):
        column = phase - pads[1][0]  # x's column in phase column 0
        start = max(0, -(column // stride))  # ceil(-column / s): the first phase column inside x
        stop = max(start, min(width, -(-(x_width - column) // stride)))
        target = phases[lo:hi, phase]
        target[:, :start] = 0
        target[:, stop:] = 0
        if stop > start and hi > lo:
            first = column + start * stride
            target[:, start:stop] = x[image, first_row + lo : first_row + hi, first : first + (stop - start - 1) * stride + 1 : stride]
    return phases


def group_window(phases, group, rows, kernel_height, row_step, row_dilation, out_width):
    """The read-only view (rows, kh, group.count, W'*C) of `phases` whose [i, a, t] is tap
    (a, group.first + t*group.step)'s window for output row i: the W' columns from
    group.offset + t*group.offset_step of phase group.phase, in phases' row i*s + a*d."""
    lines, stride, width, channels = phases.shape
    item = phases.itemsize
    line = stride * width * channels
    return np.ndarray(
        (rows, kernel_height, group.count, out_width * channels), phases.dtype, buffer=phases,
        offset=(group.phase * width + group.offset) * channels * item,
        strides=(row_step * line * item, row_dilation * line * item, group.offset_step * channels * item, item),
    )


def for_each_row_block(work, n, out_h, rows_per_block, sums=False):
    """work(start, stop, scratch) for blocks of at most `rows_per_block` of the n*out_h flat
    output rows (blocks may span images), on `kernels.parallel`'s threads; returns the sums.

    sums=False (the forward pass, dX: nothing added over the batch): the blocks are the chunks.
    sums=True (dK): the chunks are whole images, the leaves of the batch's halving tree, each
    chunk's rows in blocks, so that every sum is of one chunk's images (`scratch.add`) and the
    chunks' sums are added along the tree: the same bits on any number of threads or processes.
    """
    if not sums:
        return for_each_chunk(work, n * out_h, rows_per_block, batch=False)

    def chunk(first, last, scratch):
        end = last * out_h
        for start in range(first * out_h, end, rows_per_block):
            work(start, min(end, start + rows_per_block), scratch)

    return for_each_chunk(chunk, n, max(1, rows_per_block // out_h))


def row_segments(start, stop, out_h):
    """Split the flat row range [start, stop) into (image, first row, stop row) pieces."""
    while start < stop:
        image, row = divmod(start, out_h)
        end = min(stop, (image + 1) * out_h)
        yield image, row, row + end - start
        start = end
