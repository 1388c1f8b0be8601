"""Run a kernel's per-chunk work on several threads, a share of the batch each.

NumPy runs one elementwise pass on one core, and OpenBLAS threads only the matrix products.
A chunked kernel can instead give each thread whole chunks of images: im2col, GEMM, pooling
and gradient routing of different chunks then run side by side, each GEMM single-threaded
(NumPy releases the GIL inside its loops and BLAS calls), on data that fits in cache.
Used by the convolutions (kernels.conv, kernels.conv_pool), max pooling, batch norm, ReLU
and the optimizers' updates; `strided.set_num_threads(n)` sets how many threads.

Rules that keep it safe: one threaded region at a time (a call made meanwhile runs on its
own thread), sums added in chunk order (reproducible), every thread in the floating-point mode
of the caller (subnormals flushed or not, strided._subnormals), a worker's exception raised in
the caller only after every thread has stopped, and fresh helper threads in a forked child.
"""

import contextlib
import math
import os
import threading

import numpy as np

from strided import _blas_threads, _config, _subnormals

# Outputs per chunk of the elementwise kernels (pooling, batch norm, ReLU; float32): 2 MB while
# training, 4 MB for inference. Smaller chunks stay in the L2 cache, but each costs its threads
# a few hand-offs of Python's GIL; on a 2-core virtual machine whose sleeping cores take
# 30-40 us to wake, the CIFAR network's batch norm and pooling passes took 28 ms a step in
# chunks of 512 KB and 23 ms in chunks of 2 MB (they were slower on two threads than on one).
CHUNK_FLOATS = 1 << 19

# A convolution chunk's working set (its im2col rows, outputs and gradients), in floats: 8 MB.
# Its per-thread buffers outgrow the L2 cache, but every chunk costs its threads a few hand-offs
# of Python's GIL, and where a sleeping core takes 30-40 us to wake (measured on a 2-core
# virtual machine), fewer, larger chunks win: the lessons' MNIST CNN trained 15% faster and the
# Fashion-MNIST one 10% faster than with chunks of 512 KB of outputs, the CIFAR network the same
# (its 32x32 layers' im2col rows alone are 1.2 MB an image, so their chunks stay small).
WORKING_SET_FLOATS = 1 << 21
# On one thread (each process of data-parallel training) no hand-offs are to be saved, and
# chunks that stay in a core's L2 cache win: 2 MB. Measured for the Fashion-MNIST CNN's two
# blocks, forward and backward, 32 images on one thread of the 2-core Xeon: 10.7 ms in chunks of
# 8 MB, 9.9 in chunks of 2 MB, 10.3 in chunks of 1 MB (the first layer's passes gain, the second
# layer's dX GEMMs lose below 2 MB).
ONE_THREAD_WORKING_SET_FLOATS = 1 << 19
# And inference on one thread in chunks of 512 KB (an L2-sized share of its passes): 5,000
# Fashion-MNIST images predicted in 465-500 ms instead of 564-571 ms with 4 MB chunks (MNIST's
# CNN 303-310 against 375-424 ms with 0.5 MB or less, 323 with 4 MB).
ONE_THREAD_INFERENCE_FLOATS = 1 << 17

_helpers = []  # the helper threads (`_Helper`), started when a region first needs them
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
    floats: as many as keep the chunk near WORKING_SET_FLOATS (twice that for inference), or
    on one thread near ONE_THREAD_WORKING_SET_FLOATS (ONE_THREAD_INFERENCE_FLOATS)."""
    if _config.num_threads() > 1:
        budget = WORKING_SET_FLOATS if training else 2 * WORKING_SET_FLOATS
    else:
        budget = ONE_THREAD_WORKING_SET_FLOATS if training else ONE_THREAD_INFERENCE_FLOATS
    return max(1, budget // floats_per_image)


def for_each_chunk(work, n, step, smallest=1):
    """Call work(start, stop, scratch) for the chunks [start, stop) of range(n), `step` long.

    Work of fewer than `workers * smallest` items is not split (a thread's start costs more).
    The threads take the next chunk as they become free (one that starts late takes fewer).
    Each has its own `Scratch` for the whole call: buffers to reuse, and `add` for sums. The
    sums are kept per chunk and added in chunk order, so they do not depend on the number
    of threads or on which thread ran what: runs stay bit-for-bit reproducible.
    Returns {name: sum over the chunks}.
    """
    workers = min(_config.num_threads(), n)
    if workers <= 1 and n <= step:  # one chunk, on this thread: no bookkeeping
        # With more threads allowed, this is a single image: its GEMMs are too small to pay for
        # waking OpenBLAS's sleeping threads (measured for one 28x28 image through the lessons'
        # CNNs on a 2-core virtual machine: 0.21 ms single-threaded, 0.26-0.30 ms with them).
        scratch = Scratch()
        with _single_blas_thread():
            work(0, n, scratch)
        return scratch.sums
    if not _blas_threads.can_set_threads():
        workers = 1
    chunks = _even_chunks(n, step, workers, smallest)
    sums = [{} for _ in chunks]
    workers = min(workers, len(chunks))
    if workers > 1 and _region.acquire(blocking=False):
        try:
            _run_shared(work, chunks, sums, workers)
        finally:
            _region.release()
    else:
        _run_chunks(work, chunks, sums, iter(range(len(chunks))))
    totals = {}
    for part in sums:  # in chunk order
        for name, value in part.items():
            if name in totals:
                totals[name] += value
            else:
                totals[name] = value
    return totals


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

    for_each_chunk(chunk, n, chunk_size(per_row), max(1, (1 << 15) // per_row))
    return out


def _single_blas_thread():
    """`_blas_threads.single_threaded()` when OpenBLAS is reachable, else nothing."""
    if _config.num_threads() > 1 and _blas_threads.can_set_threads():
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


def _even_chunks(n, step, workers, smallest=1):
    """[(start, stop)]: at most `step` long, as even as possible, a multiple of `workers` many
    (or fewer when that would make them shorter than `smallest`)."""
    count = -(-n // step)
    if count < workers:
        count = max(count, min(workers, n // smallest))
    else:
        count = -(-count // workers) * workers
    size = -(-n // count)
    return [(start, min(start + size, n)) for start in range(0, n, size)]


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

    def add(self, name, value):
        """This chunk's sums[name] += value (the first value is copied)."""
        if name in self.sums:
            self.sums[name] += value
        else:
            self.sums[name] = value.copy()


class _Helper:
    """A thread that runs the chunks of the regions posted to it, and nothing else.

    Lean on purpose: a region posts with one lock release and waits with one acquire. (A
    ThreadPoolExecutor's futures and conditions cost about 100 us more per region, measured on
    a 2-core virtual machine, where every wake of a sleeping thread already costs 30-40 us.)
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
        while len(_helpers) < count:
            _helpers.append(_Helper())
        return _helpers[:count]


def _forget_pool_after_fork():
    """A forked child has none of the parent's threads: start afresh (os.fork, multiprocessing)."""
    global _helpers, _lock, _region
    _helpers = []
    _lock, _region = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)
