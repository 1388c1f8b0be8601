"""Run an optimizer's elementwise update on blocks of the arrays, shared by the kernel threads.

Adam reads and writes five arrays (gradient, variable, two moments, a temporary) in about a
dozen NumPy passes. Done on whole arrays, every pass streams them from memory; done on blocks
of BLOCK elements, a block's five pieces stay in the CPU's L2 cache for all the passes, and
the blocks are shared by `kernels.parallel`'s threads (docs/speed.md has the measurements).
"""

import numpy as np

from strided._config import num_threads
from strided.kernels.parallel import Scratch, for_each_chunk

BLOCK = 1 << 16  # elements updated at a time: Adam's five arrays of a block fit in L2 (1.3 MB)
# Fewer parameters than this are updated on the calling thread: handing the blocks to another
# thread costs more than it saves (the Fashion-MNIST CNN's 244K parameters, docs/speed.md).
SHARED = 1 << 20


def update_in_blocks(update_step, triples, learning_rate):
    """update_step(gradient, data, slots, learning_rate, scratch) on every block of each triple.

    `triples` are (gradient, variable data, {slot name: array}); the updates happen in place.
    """
    blocks = [block for gradient, data, slots in triples
              for block in split(np.ascontiguousarray(gradient), data, slots)]

    def update(start, stop, scratch):
        for gradient, data, slots in blocks[start:stop]:
            update_step(gradient, data, slots, learning_rate,
                        scratch.buffer("step", gradient.shape, gradient.dtype))

    if sum(block[0].size for block in blocks) < SHARED:
        update(0, len(blocks), Scratch())  # on this thread: cheaper than handing blocks over
    else:
        for_each_chunk(update, len(blocks), -(-len(blocks) // num_threads()), batch=False)


def split(gradient, data, slots):
    """(gradient, data, slots) pieces of at most BLOCK elements: views into the same memory."""
    arrays = [gradient, data, *slots.values()]
    if data.size <= BLOCK or not all(a.flags.c_contiguous for a in arrays):
        return [(gradient, data, slots)]
    flat = [a.reshape(-1) for a in arrays]
    names = list(slots)
    return [
        (flat[0][start:start + BLOCK], flat[1][start:start + BLOCK],
         {name: array[start:start + BLOCK] for name, array in zip(names, flat[2:])})
        for start in range(0, data.size, BLOCK)
    ]
