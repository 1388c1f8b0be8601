"""Flush subnormal floats to zero while strided trains (x86-64 Linux), as TensorFlow does.

Floats below the smallest normal number (1.2e-38 in float32) take a slow path on Intel
processors: every multiply or add that reads or produces one is finished by a microcode assist,
about a hundred times slower than the vector instruction itself. Training makes them: once a unit
stops receiving gradient, Adam's first moment decays by 0.9 a step and reaches the subnormal range
about 750 steps later, and an epoch slows down measurably (docs/speed.md).

The x86 MXCSR register has two bits for this: FTZ (results that would be subnormal become 0) and
DAZ (subnormal inputs are read as 0). TensorFlow sets them in its threads; PyTorch has
`torch.set_flush_denormal`. strided sets them for the duration of each training step on the
calling thread (`flushing`), and on the kernel threads for the shares of work they do for it
(`kernels.parallel`: the same mode on every thread, so results still do not depend on the
thread count), and restores each thread's mode afterwards: the rest of the program (inference
included) computes as before.
`strided.set_flush_denormal(False)` turns it off.

No compiled code: the register is read and written through the C library's `fegetenv` and
`fesetenv` (ctypes), whose x86-64 `fenv_t` ends with the MXCSR value (glibc and musl alike).
Elsewhere (other processors or systems) nothing changes.
"""

import contextlib
import ctypes
import ctypes.util
import platform
import sys
import threading

from strided import _config

_FENV_SIZE = 32  # sizeof(fenv_t) on x86-64: the x87 environment (28 bytes), then MXCSR
_MXCSR_OFFSET = 28
_FTZ_DAZ = 0x8000 | 0x0040  # MXCSR bit 15 (flush to zero) and bit 6 (denormals are zero)

_libm = None
_state = threading.local()  # .flushing: this thread is inside `flushing`


def supported():
    """Whether this machine lets strided flush subnormals (x86-64 Linux with a C math library)."""
    return _library() is not None


def _library():
    global _libm
    if _libm is None:
        _libm = False
        if sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64"):
            try:
                library = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
                library.fegetenv, library.fesetenv  # noqa: B018  (both must exist)
                _libm = library
            except (OSError, AttributeError):
                _libm = False
    return _libm or None


def active():
    """Whether the calling thread is inside `flushing` (kernel threads then flush too)."""
    return getattr(_state, "flushing", False)


@contextlib.contextmanager
def flushing(enabled=None):
    """Run the block with FTZ and DAZ set on the calling thread, when `enabled` (by default
    `strided.flush_denormal()`) and supported; the thread's own mode is restored after."""
    if enabled is None:
        enabled = _config.flush_denormal()
    saved = _environment() if enabled and not active() else None
    if saved is None:
        yield
        return
    _set_mxcsr(saved, _mxcsr(saved) | _FTZ_DAZ)
    _state.flushing = True
    try:
        yield
    finally:
        _state.flushing = False
        _library().fesetenv(saved)


def clear_in_this_thread():
    """Clear FTZ and DAZ on the calling thread: a new thread inherits its creator's mode, and
    strided's kernel threads may be started from inside `flushing` (their pool's initializer)."""
    saved = _environment()
    if saved is not None:
        _set_mxcsr(saved, _mxcsr(saved) & ~_FTZ_DAZ)


def _environment():
    """The calling thread's fenv_t (a ctypes buffer), or None where unsupported."""
    library = _library()
    saved = (ctypes.c_uint8 * _FENV_SIZE)()
    if library is None or library.fegetenv(saved) != 0:
        return None
    return saved


def _mxcsr(environment):
    return int.from_bytes(bytes(environment[_MXCSR_OFFSET:]), "little")


def _set_mxcsr(environment, mxcsr):
    """fesetenv of a copy of `environment` with its MXCSR replaced."""
    changed = (ctypes.c_uint8 * _FENV_SIZE).from_buffer_copy(environment)
    changed[_MXCSR_OFFSET:] = list(mxcsr.to_bytes(4, "little"))
    _library().fesetenv(changed)
