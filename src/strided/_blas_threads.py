"""OpenBLAS's settings that strided changes while it runs: the idle threads' wait, the thread count.

After a multi-threaded GEMM, OpenBLAS keeps its worker threads busy-waiting for the next one,
by default for 2^28 CPU cycles (about 0.1 s). A strided training step runs NumPy's
single-threaded passes (im2col copies, pooling, ReLU masks, gradient routing) between its
GEMMs, so the workers spin through all of them, taking a core those passes could use (see
docs/speed.md). `short_blas_wait()` makes idle workers sleep after 2^16 cycles instead, and
`default_blas_wait()` puts OpenBLAS's default back; `strided.runtime.speed_settings()` pairs
them around `fit`. Nothing happens at import.

OpenBLAS reads the wait from the environment variable OPENBLAS_THREAD_TIMEOUT (log2 of the
cycles, 4 to 30) when it starts its threads. So each of the two sets the variable, asks
OpenBLAS to re-read its environment (`openblas_read_env`), removes the variable again and stops
the workers (`blas_thread_shutdown_`): the next multi-threaded call starts them with the new
wait. A user's own OPENBLAS_THREAD_TIMEOUT is left alone, and STRIDED_BLAS_SPIN=1 turns this
off. Other BLAS libraries (MKL, Accelerate) are not touched.

This file also holds `set_num_threads` (strided's and OpenBLAS's thread count, as torch's: an
explicit, process-wide call) and `single_threaded`, which `kernels.parallel` uses while its own
threads share a batch (restored after each region).
"""

import ctypes
import os

from strided import _config

_VARIABLE = "OPENBLAS_THREAD_TIMEOUT"
_SHORT_WAIT = "16"  # 2^16 cycles: enough for back-to-back GEMMs, short next to a NumPy pass
_DEFAULT_WAIT = "28"  # OpenBLAS's THREAD_TIMEOUT when built without one


def short_blas_wait():
    """Let OpenBLAS's idle threads sleep soon; returns True when OpenBLAS was reached."""
    return _apply_wait(_SHORT_WAIT)


def default_blas_wait():
    """Put OpenBLAS's default wait back (after `short_blas_wait`)."""
    return _apply_wait(_DEFAULT_WAIT)


def _apply_wait(wait):
    if os.environ.get("STRIDED_BLAS_SPIN") == "1" or _VARIABLE in os.environ:
        return False
    library = _openblas()
    if library is None:
        return False
    os.environ[_VARIABLE] = wait
    try:
        library.openblas_read_env()  # kept inside OpenBLAS until its threads next start
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


def set_num_threads(threads):
    """Use `threads` threads: strided's chunked kernels and OpenBLAS's matrix products alike.

    As torch.set_num_threads. Example: `strided.set_num_threads(1)` for one core per process.
    """
    _config.set_num_threads(threads)
    functions = _thread_functions()
    if functions is not None:
        functions[1](threads)


def get_num_threads():
    """The number of threads strided's kernels use (see `set_num_threads`)."""
    return _config.num_threads()


def can_set_threads():
    """Whether `single_threaded` can reach OpenBLAS's thread count (no OpenBLAS found: False)."""
    return _thread_functions() is not None


class single_threaded:  # noqa: N801  (used as a function: `with single_threaded():`)
    """Run the block with OpenBLAS computing every product on the calling thread.

    OpenBLAS's thread count is process-wide, so this is for a block whose own threads share
    the work (`kernels.parallel`); it is restored afterwards. (A class rather than a
    generator-based context manager: 0.5 us instead of 3 around each kernel of a single image.)
    """

    __slots__ = ("before",)

    def __enter__(self):
        get, set_threads = _thread_functions()
        self.before = get()
        set_threads(1)

    def __exit__(self, *exception):
        _thread_functions()[1](self.before)


_cache = {}


def _openblas():
    if "library" not in _cache:
        _cache["library"] = _loaded_openblas()
    return _cache["library"]


def _thread_functions():
    """OpenBLAS's (get, set) thread-count functions, whatever prefix its build gave them."""
    if "threads" not in _cache:
        _cache["threads"] = None
        library = _openblas()
        for prefix, suffix in [("openblas", ""), ("scipy_openblas", "64_"), ("scipy_openblas", "")]:
            get = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
            set_threads = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and set_threads is not None:
                _cache["threads"] = (get, set_threads)
                break
    return _cache["threads"]
