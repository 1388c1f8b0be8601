"""Elementwise formulas run block by block, in the cache, on the kernel threads.

The helper behind `activation_math` (the fast GELU, SiLU, softplus, ELU, ...). A formula of
k NumPy passes over a whole array reads and writes main memory k times and allocates k
temporaries as large as the array. Run instead over blocks of `tuning.ELEMENTWISE_BLOCK`
floats, every pass writes into a small per-thread scratch buffer (or the block of the output)
that stays in the cache, and the blocks are shared by `kernels.parallel`'s threads (NumPy
releases the GIL inside its loops). The arithmetic is the same, pass for pass: blocks change
where the numbers are kept, not how they are computed, so the result does not depend on the
block size or the thread count.
"""

import numpy as np

from strided.kernels.fast.tuning import ELEMENTWISE_BLOCK
from strided.kernels.parallel import for_each_chunk


def apply_blocks(formula, dtype, inputs, temporaries=0):
    """formula(out_block, *input_blocks, *scratch_blocks) over flat blocks of the arrays.

    The inputs share one shape; the result is a new array of that shape and `dtype`, laid out
    in memory as the first input is (a channels-first tensor viewed channels-last stays a
    view of its memory: no transposed copy in, none out). `temporaries` scratch blocks of
    `dtype` and the block's length are handed to the formula, uninitialised; it writes its
    result into out_block.
    """
    order = _memory_order(inputs[0])
    flat_inputs = [np.ascontiguousarray(a.transpose(order)).reshape(-1) for a in inputs]
    laid_out = np.empty(inputs[0].transpose(order).shape, dtype)
    out = laid_out.transpose(np.argsort(order))
    flat_out = laid_out.reshape(-1)
    size = flat_out.size
    if size <= ELEMENTWISE_BLOCK:  # one block: no threads, no hand-off
        formula(flat_out, *flat_inputs, *[np.empty(size, dtype) for _ in range(temporaries)])
        return out

    def block(start, stop, scratch):
        buffers = [scratch.buffer(f"elementwise{i}", (stop - start,), dtype) for i in range(temporaries)]
        formula(flat_out[start:stop], *[a[start:stop] for a in flat_inputs], *buffers)

    for_each_chunk(block, size, ELEMENTWISE_BLOCK, batch=False)
    return out


def _memory_order(array):
    """The axes from the largest stride to the smallest: array.transpose(order) is
    C-contiguous when the array is any permutation of a contiguous one."""
    order = tuple(sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis])))
    return order if array.transpose(order).flags.c_contiguous else tuple(range(array.ndim))
