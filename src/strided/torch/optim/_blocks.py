"""Run an optimizer's in-place elementwise update on cache-sized blocks of its arrays.

Adam's update is about a dozen NumPy passes over four arrays (parameter, gradient, two
moments) and a temporary. Done on whole arrays, each pass streams every array from main
memory again; done on blocks of BLOCK elements, a block's pieces stay in the CPU's cache for
all the passes, and a large parameter's blocks are shared by `kernels.parallel`'s threads.
The arithmetic is the same, pass for pass: blocks change where the numbers are kept, not how
they are computed, so the result is the same bit for bit (and on any thread count). The
Keras side's optimizers do the same (`strided.optimizers.blocks`).
"""

import numpy as np

from strided.kernels.parallel import Scratch, for_each_chunk

# Elements per block: the update's arrays of a block stay in the caches for all its passes, and
# each NumPy call is long enough that threads sharing the blocks seldom wait for each other's
# turn with Python's GIL (short calls hand it back and forth: docs/speed.md, "Training-step kernels").
BLOCK = 1 << 17
# Arrays smaller than this are updated on the calling thread: handing blocks to another
# thread costs more than it saves.
SHARED = 1 << 20


def update_in_blocks(formula, arrays, *args, temporaries=1):
    """formula(*array_blocks, *scratch_blocks, *args) on matching blocks of `arrays`, in place.

    `arrays` share one shape (the parameter's first); `formula` updates its blocks in place
    and may use the `temporaries` scratch blocks, uninitialised arrays of the block's size and
    the first array's dtype. Arrays that are not all C-contiguous are updated whole, in one call.
    """
    first = arrays[0]
    if first.size <= BLOCK or not all(a.flags.c_contiguous and a.shape == first.shape for a in arrays):
        formula(*arrays, *[np.empty(first.shape, first.dtype) for _ in range(temporaries)], *args)
        return
    flat = [a.reshape(-1) for a in arrays]
    count = -(-first.size // BLOCK)

    def blocks(start, stop, scratch):
        for index in range(start, stop):
            lo, hi = index * BLOCK, min((index + 1) * BLOCK, first.size)
            buffers = [scratch.buffer(f"step{i}", (hi - lo,), first.dtype) for i in range(temporaries)]
            formula(*[a[lo:hi] for a in flat], *buffers, *args)

    if first.size < SHARED:
        blocks(0, count, Scratch())
    else:
        for_each_chunk(blocks, count, 1, batch=False)
