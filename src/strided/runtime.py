"""The process settings strided uses for speed: applied only while strided runs, never at import.

`import strided` changes nothing outside strided: no malloc setting, no BLAS thread count or
environment variable, no floating-point flag, no signal handler, no fork, no thread started.
A few settings of the process make training faster, and each has one place here:

- malloc keeps freed memory (strided._allocator): inside `speed_settings()`, which `fit` runs
  in; explicit calls `keep_freed_memory()` / `release_freed_memory()`.
- OpenBLAS's idle threads sleep soon instead of spinning (strided._blas_threads): inside
  `speed_settings()`; explicit calls `short_blas_wait()` / `default_blas_wait()`.
- subnormal floats flushed to zero (strided._subnormals): during each training step, on the
  calling thread and strided's kernel threads (`flushing_subnormals()`);
  `set_flush_denormal(False)` turns it off.
- the thread count: strided's kernel threads, with OpenBLAS single-threaded inside their
  regions; `set_num_threads(n)` sets both, process-wide, as `torch.set_num_threads`.

Each is restored when its block ends: `speed_settings()` puts glibc's default thresholds and
OpenBLAS's default wait back (one trace stays, see strided._allocator: glibc's automatic mmap
threshold is off once `mallopt` was called), `flushing_subnormals()` the thread's own
floating-point mode. Results do not depend on any of them except the flush (subnormal values
become 0, as in TensorFlow's training), and not on the thread count (see kernels.parallel).

Example (what `Model.fit` does; also for a training loop written by hand):

    >>> from strided import runtime
    >>> with runtime.speed_settings():
    ...     for x, y in batches:
    ...         with runtime.flushing_subnormals():
    ...             loss = train_step(x, y)

Environment switches: STRIDED_KEEP_MEMORY=0 leaves malloc alone, STRIDED_BLAS_SPIN=1 leaves
OpenBLAS's wait alone; a user's own MALLOC_*_ / GLIBC_TUNABLES / OPENBLAS_THREAD_TIMEOUT wins.
"""

import contextlib
import threading

from strided import _config
from strided._allocator import keep_freed_memory, release_freed_memory
from strided._blas_threads import (
    default_blas_wait,
    get_num_threads,
    set_num_threads,
    short_blas_wait,
)
from strided._subnormals import flushing as flushing_subnormals
from strided._subnormals import supported as _flush_supported

_lock = threading.Lock()
_depth = [0]  # how many speed_settings blocks are open (in any thread)
_applied = {}  # what the outermost block changed: {"memory": bool, "blas": bool}


@contextlib.contextmanager
def speed_settings():
    """Keep freed memory in the process and let OpenBLAS's idle threads sleep soon, for the
    block only; the defaults are put back when the outermost such block ends (nested blocks,
    as a validation `evaluate` inside `fit`, change nothing)."""
    with _lock:
        _depth[0] += 1
        if _depth[0] == 1:
            _applied["memory"] = keep_freed_memory()
            _applied["blas"] = short_blas_wait()
    try:
        yield
    finally:
        with _lock:
            _depth[0] -= 1
            if _depth[0] == 0:
                if _applied.pop("memory", False):
                    release_freed_memory()
                if _applied.pop("blas", False):
                    default_blas_wait()


def set_flush_denormal(enabled):
    """Flush subnormal floats to zero while training (the default), or not, as
    `torch.set_flush_denormal`. Returns True when this machine supports it (x86-64 Linux)."""
    _config.set_flush_denormal(enabled)
    return _flush_supported()


def flush_denormal():
    """Whether training flushes subnormal floats to zero (see `set_flush_denormal`)."""
    return _config.flush_denormal()


__all__ = [
    "default_blas_wait", "flush_denormal", "flushing_subnormals", "get_num_threads",
    "keep_freed_memory", "release_freed_memory", "set_flush_denormal", "set_num_threads",
    "short_blas_wait", "speed_settings",
]
