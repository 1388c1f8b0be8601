"""Let OpenBLAS's idle threads go to sleep soon instead of spinning between matrix products.

After a multi-threaded GEMM, OpenBLAS keeps its worker threads busy-waiting for the next one,
by default for 2^28 CPU cycles (about 0.1 s). A strided training step runs NumPy's
single-threaded passes (im2col copies, pooling, ReLU masks, gradient routing) between its
GEMMs, so the workers spin through all of them, taking a core those passes could use. With
one other busy process on this 2-core machine, a Fashion-MNIST CNN step at batch 64 took
43-46 ms with spinning workers and 21 ms with a wait of 2^16 cycles (about 25 us); ResNet-18
at batch 32 took 150-190 ms against 94-98 ms. On idle cores the two differ by less than the
run-to-run noise (ResNet-18: 64-71 ms either way), and some runs with spinning workers were
1.5x slower for no visible reason.

OpenBLAS reads the wait from the environment variable OPENBLAS_THREAD_TIMEOUT (log2 of the
cycles, 4 to 30) when it starts its threads. So:

* NumPy not imported yet: set the variable for the moment NumPy loads OpenBLAS, then remove it.
* NumPy already imported: set it, ask OpenBLAS to re-read its environment
  (`openblas_read_env`) and to stop its threads (`blas_thread_shutdown_`); the next
  multi-threaded call starts them again with the new timeout.

A user's own OPENBLAS_THREAD_TIMEOUT is left alone, and STRIDED_BLAS_SPIN=1 turns this off.
Other BLAS libraries (MKL, Accelerate) are not touched.
"""

import ctypes
import os
import sys

_VARIABLE = "OPENBLAS_THREAD_TIMEOUT"
_WAIT = "16"  # 2^16 cycles: enough for back-to-back GEMMs, short next to a NumPy pass


def sleep_idle_blas_threads():
    """Apply the short wait; returns True when OpenBLAS was reached (now or at NumPy's import)."""
    if os.environ.get("STRIDED_BLAS_SPIN") == "1" or _VARIABLE in os.environ:
        return False
    if "numpy" not in sys.modules:
        os.environ[_VARIABLE] = _WAIT
        try:
            import numpy  # noqa: F401  (loads OpenBLAS, which reads the variable now)
        finally:
            del os.environ[_VARIABLE]
        return True
    library = _loaded_openblas()
    if library is None:
        return False
    os.environ[_VARIABLE] = _WAIT
    try:
        library.openblas_read_env()
    finally:
        del os.environ[_VARIABLE]
    library.blas_thread_shutdown_()
    return True


def _loaded_openblas():
    """The OpenBLAS already in this process (Linux), if it exports the two functions we need."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        if hasattr(library, "openblas_read_env") and hasattr(library, "blas_thread_shutdown_"):
            return library
    return None


def can_use_one_thread_per_caller():
    """Whether `use_one_thread_in_this_thread` works: OpenBLAS 0.3.27+ has a per-thread setting."""
    library = _openblas()
    return library is not None and hasattr(library, "openblas_set_num_threads_local")


def use_one_thread_in_this_thread():
    """Make OpenBLAS calls from the calling thread single-threaded (others keep their setting)."""
    _openblas().openblas_set_num_threads_local(1)


_cache = []


def _openblas():
    if not _cache:
        _cache.append(_loaded_openblas())
    return _cache[0]
