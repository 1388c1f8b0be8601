"""Run a kernel's per-chunk work on several threads, whole chunks of images each.

NumPy runs one elementwise pass on one core, and OpenBLAS threads only the matrix products.
A chunked kernel can instead give each thread whole chunks of images: im2col, GEMM, pooling
and gradient routing of different chunks then run side by side, each GEMM single-threaded
(NumPy releases the GIL inside its loops and BLAS calls), on data that fits in cache.
Used by the convolutions (kernels.conv, kernels.conv_pool), max pooling, batch norm, ReLU
and the optimizers' updates; `strided.set_num_threads(n)` sets how many threads.

Same answer on any number of threads, and of processes: a batch's chunks are the leaves of its
halving tree (`batch_leaves`: split in two, first half first, until a block holds at most
min(the chunk size, LEAF_IMAGES) images), which depend only on the batch and the size of one
image's work, never on the thread count; each chunk's sums (a convolution's dK and db, batch
norm's statistics) are kept apart and added pairwise along the tree (`tree_combine`); and every
GEMM inside a chunk runs on one BLAS thread, whichever thread runs the chunk. So a run on 1, 2
or 8 threads gives bit-identical results (tests/test_threads.py), and a process that computes
one half (quarter, ...) of a batch computes exactly one subtree of it: data-parallel training
adds the processes' subtrees along the top of the tree and gets one process's bits
(`models.replica`, tests/distributed/test_fit_same_answer.py). Elementwise work (`map_rows`,
the optimizers' updates: no sums) takes plain even chunks instead.

Rules that keep it safe: one threaded region at a time (a call made meanwhile runs on its
own thread), every thread in the floating-point mode of the caller (subnormals flushed or
not, strided._subnormals), a worker's exception raised in the caller only after every thread
has stopped, and fresh helper threads in a forked child.

The sizes below trade cache locality against hand-offs of Python's GIL between threads (each
chunk costs a few); docs/speed.md has the measurements behind them.
"""

import contextlib
import math
import os
import threading

import numpy as np

from strided import _blas_threads, _config, _subnormals
from strided.kernels import collective

# Outputs per chunk of the elementwise kernels (pooling, batch norm, ReLU; float32): 2 MB while
# training, twice that for inference.
CHUNK_FLOATS = 1 << 19
# A convolution chunk's working set (its im2col rows, outputs and gradients), in floats: 4 MB
# while training, 2 MB for inference (no gradients to keep; L2-sized chunks win there).
# (docs/speed.md, "Same answer on any thread count", has the measurements.)
WORKING_SET_FLOATS = 1 << 20
INFERENCE_WORKING_SET_FLOATS = 1 << 19
# The number of chunks is rounded up to a multiple of this (when chunks stay at least
# `smallest` long), so that 1, 2 or 4 threads share them evenly. A constant, not the thread
# count: the chunk bounds, hence the sums' rounding, must not depend on the machine.
CHUNK_COUNT_MULTIPLE = 4
# A batch's leaves (`batch_leaves`) hold at most max(LEAF_IMAGES, batch / BATCH_LEAVES) images
# (and at most a chunk's): up to BATCH_LEAVES processes sharing a batch then each compute whole
# subtrees of its halving tree (the same sums as one process, bit for bit), and a large batch
# (prediction) still gives each matrix product many rows.
LEAF_IMAGES = 16
BATCH_LEAVES = 8

_helpers = []  # the helper threads (`_Helper`), started when a region first needs them
_fork_hook = []  # [True] once `_forget_pool_after_fork` is registered with os.register_at_fork
_lock = threading.Lock()
# One threaded region at a time: a for_each_chunk called meanwhile (from another thread of the
# program, or from inside a chunk's work) runs its chunks on its own thread.
_region = threading.Lock()


def chunk_size(outputs_per_image, training=True):
    """Images per chunk: as many as keep the chunk's output near CHUNK_FLOATS (twice that for
    inference)."""
    return max(1, (CHUNK_FLOATS if training else 2 * CHUNK_FLOATS) // outputs_per_image)


def images_per_chunk(floats_per_image, training=True):
    """Images per chunk of a convolution whose work on one image touches `floats_per_image`
    floats: as many as keep the chunk near WORKING_SET_FLOATS (INFERENCE_WORKING_SET_FLOATS
    for inference), whatever the thread count."""
    budget = WORKING_SET_FLOATS if training else INFERENCE_WORKING_SET_FLOATS
    return max(1, budget // floats_per_image)


def chunk_bounds(n, step, smallest=1):
    """[(start, stop)] covering range(n): at most `step` long (unless that would make them
    shorter than `smallest`), as even as possible, and as many as a multiple of
    CHUNK_COUNT_MULTIPLE where chunks of `smallest` or more allow it. Depends on nothing else
    (not the thread count), so the sums added chunk by chunk round the same on every machine.

    >>> chunk_bounds(10, 4)
    [(0, 2), (2, 5), (5, 7), (7, 10)]
    """
    if n <= 0:
        return [(0, n)]  # one empty chunk: the work still sees the (empty) batch once
    count = -(-n // step)
    rounded = -(-count // CHUNK_COUNT_MULTIPLE) * CHUNK_COUNT_MULTIPLE
    longest = n // max(smallest, 1)  # the most chunks of at least `smallest`
    if longest < rounded:
        rounded = longest - longest % 2 if longest >= 2 else longest  # even: 2 threads share it
    count = max(count, rounded, 1)
    bounds = [n * i // count for i in range(count + 1)]  # lengths differ by at most one
    return list(zip(bounds[:-1], bounds[1:]))


def leaf_limit(batch):
    """The most images a leaf of a `batch`-image batch's tree holds (before the chunk size)."""
    return max(LEAF_IMAGES, -(-batch // BATCH_LEAVES))


def batch_leaves(n, step):
    """[(start, stop)] of the leaves of range(n)'s halving tree: a block longer than
    min(step, leaf_limit(batch)) splits into its first ceil(len / 2) images and the rest,
    `batch` being the whole batch's images (n, unless this process computes a share of a
    batch with others: `kernels.collective.whole_batch`).

    Whether a block splits depends on its length and the whole batch alone, so the tree of any
    block is the subtree of the whole batch's tree: a process given one half of a batch
    (`models.replica`) finds, in its half, the same leaves as one process finds there.

    >>> batch_leaves(10, 4)
    [(0, 3), (3, 5), (5, 8), (8, 10)]
    """
    limit = max(1, min(step, leaf_limit(collective.whole_batch(n))))
    leaves, pending = [], [(0, n)]
    while pending:
        start, stop = pending.pop()
        if stop - start <= limit:
            leaves.append((start, stop))
        else:
            middle = start + (stop - start + 1) // 2
            pending += [(middle, stop), (start, middle)]  # the left half is taken first
    return leaves


def tree_combine(values, bounds, add):
    """The values of the leaves `bounds` (consecutive, as `batch_leaves` gives them) added up
    along their halving tree: add(left, right) at every inner node, in the same order on any
    number of threads or processes. None stands for an empty leaf."""
    by_start = dict(zip((start for start, _ in bounds), values))
    leaf_set = set(bounds)

    def node(start, stop):
        if (start, stop) in leaf_set:
            return by_start[start]
        middle = start + (stop - start + 1) // 2
        left, right = node(start, middle), node(middle, stop)
        return right if left is None else left if right is None else add(left, right)

    return node(bounds[0][0], bounds[-1][1])


def for_each_chunk(work, n, step, smallest=1, batch=True):
    """Call work(start, stop, scratch) for the chunks of range(n) and return
    {name: sum over the chunks} of what the chunks `scratch.add`ed.

    batch=True (a batch of images: a kernel with matrix products or sums over the batch): the
    chunks are `batch_leaves(n, step)` and their sums are added along the halving tree, so the
    result is bit-for-bit the same on any number of threads, and a process computing one half
    of the batch gets the half's exact value. batch=False (elementwise work): chunks of `step`
    as even as possible (`chunk_bounds`), sums added in chunk order.
    Arrays under 2 * `smallest` rows stay on one thread. The threads take the next chunk as
    they become free (one that starts late takes fewer); each has its own `Scratch` for the
    whole call: buffers to reuse, and `add` for sums.
    """
    chunks = batch_leaves(n, step) if batch else chunk_bounds(n, step, smallest)
    sums = [{} for _ in chunks]
    workers = min(_config.num_threads(), len(chunks))
    if not _blas_threads.can_set_threads() or n < 2 * smallest:
        workers = 1  # OpenBLAS not reachable (no single-threaded GEMMs side by side), or small
    if workers > 1 and _region.acquire(blocking=False):
        try:
            _run_shared(work, chunks, sums, workers)
        finally:
            _region.release()
    else:
        with _single_blas_thread():  # a chunk's GEMMs on one BLAS thread, as on the helpers
            _run_chunks(work, chunks, sums, iter(range(len(chunks))))
    if batch:
        return tree_combine(sums, chunks, _add_sums) if chunks else {}
    totals = {}
    for part in sums:  # in chunk order
        _add_sums(totals, part)
    return totals


def for_each_sample_chunk(work, rows, samples=None, step_rows=None, smallest_rows=1):
    """`for_each_chunk` over whole samples of an array of `rows` rows, `samples` samples of
    equal length laid one after the other (default: one row each); work(start, stop, scratch)
    gets row bounds. The chunks are the batch's leaves (`batch_leaves`, counted in samples),
    at most `step_rows` rows (default: no limit but the leaves'); fewer than 2 * `smallest_rows`
    rows stay on one thread."""
    samples = samples or rows
    per_sample = max(1, rows // max(samples, 1))
    step = max(1, (step_rows or rows) // per_sample)
    return for_each_chunk(lambda a, b, scratch: work(a * per_sample, b * per_sample, scratch),
                          samples, step, max(1, smallest_rows // per_sample))


def _add_sums(left, right):
    """left[name] += right[name] for every name, in place (a chunk's sums are its own arrays,
    `Scratch.add` copies them); a name in `right` only is taken as it is. Returns `left`."""
    for name, value in right.items():
        if name in left:
            left[name] += value
        else:
            left[name] = value
    return left


def map_rows(fn, out, *inputs):
    """fn(out[a:b], *[x[a:b] for x in inputs]) over row ranges [a, b), split over the threads.

    For elementwise passes over large arrays (ReLU): each thread takes a share of the rows.
    """
    n = out.shape[0] if out.ndim else 1
    if out.ndim == 0:
        fn(out, *inputs)
        return out
    per_row = max(1, out.size // max(n, 1))

    def chunk(start, stop, scratch):
        fn(out[start:stop], *[x[start:stop] for x in inputs])

    for_each_chunk(chunk, n, chunk_size(per_row), max(1, (1 << 15) // per_row), batch=False)
    return out


def _single_blas_thread():
    """`_blas_threads.single_threaded()` when OpenBLAS is reachable, else nothing."""
    if _blas_threads.can_set_threads():
        return _blas_threads.single_threaded()
    return contextlib.nullcontext()


def _run_chunks(work, chunks, sums, jobs):
    """Run chunks, taking their indices from `jobs` (an iterator other threads may share)."""
    scratch = Scratch()
    for index in jobs:
        scratch.sums = sums[index]
        work(*chunks[index], scratch)


def _run_shared(work, chunks, sums, workers):
    """The chunks on `workers` threads, the calling thread being one of them."""
    jobs = iter(range(len(chunks)))  # shared: next() on it is atomic under the GIL
    with _blas_threads.single_threaded():
        flush = _subnormals.active()  # the other threads compute in the caller's mode
        helpers = _started_helpers(workers - 1)
        for helper in helpers:
            helper.post(work, chunks, sums, jobs, flush)
        try:
            _run_chunks(work, chunks, sums, jobs)
        finally:  # never leave while another thread still writes into our arrays
            errors = [helper.wait() for helper in helpers]
        for error in errors:
            if error is not None:
                raise error  # a helper's exception, raised here


class Scratch:
    """One thread's working memory in `for_each_chunk`; `sums` is the current chunk's."""

    def __init__(self):
        self.buffers, self.sums = {}, {}

    def buffer(self, name, shape, dtype):
        """An uninitialised array of `shape`, reused by this thread's next chunks."""
        buffer = self.buffers.get(name)
        size = math.prod(shape)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self.buffers[name] = np.empty(size, dtype)
        return buffer[:size].reshape(shape)

    def add(self, name, value, fresh=False):
        """This chunk's sums[name] += value (the first value is copied, unless `fresh`: an
        array the chunk made for this and will not touch again)."""
        if name in self.sums:
            self.sums[name] += value
        else:
            self.sums[name] = value if fresh else value.copy()


class _Helper:
    """A thread that runs the chunks of the regions posted to it, and nothing else.

    Lean on purpose: a region posts with one lock release and waits with one acquire (a
    ThreadPoolExecutor's futures and conditions cost measurably more per region: docs/speed.md).
    """

    def __init__(self):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._region, self._error = None, None
        threading.Thread(target=self._serve, name="strided", daemon=True).start()

    def post(self, work, chunks, sums, jobs, flush):
        """Start taking chunks of `jobs`, in the floating-point mode `flush`."""
        self._region = (work, chunks, sums, jobs, flush)
        self._go.release()

    def wait(self):
        """Block until the posted region's chunks are done; returns the exception to raise, or
        None. A Ctrl-C meanwhile is held until then: the chunks write into the caller's arrays."""
        interrupt = None
        while True:
            try:
                self._done.acquire()
                break
            except KeyboardInterrupt as error:
                interrupt = error
        error, self._error = self._error, None
        return error or interrupt

    def _serve(self):
        _subnormals.clear_in_this_thread()
        while True:
            self._go.acquire()
            work, chunks, sums, jobs, flush = self._region
            try:
                with _subnormals.flushing(enabled=flush):
                    _run_chunks(work, chunks, sums, jobs)
            except BaseException as error:  # noqa: BLE001  (raised in the region's caller)
                self._error = error
            finally:
                self._region = None
                self._done.release()


def _started_helpers(count):
    """The first `count` helper threads, started now if they are not yet."""
    with _lock:
        if not _helpers and hasattr(os, "register_at_fork") and not _fork_hook:
            os.register_at_fork(after_in_child=_forget_pool_after_fork)  # once, not at import
            _fork_hook.append(True)
        while len(_helpers) < count:
            _helpers.append(_Helper())
        return _helpers[:count]


def _forget_pool_after_fork():
    """A forked child has none of the parent's threads: start afresh (os.fork, multiprocessing)."""
    global _helpers, _lock, _region
    _helpers = []
    _lock, _region = threading.Lock(), threading.Lock()

