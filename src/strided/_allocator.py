"""Keep freed array memory in the process while strided trains, so the next step reuses it.

A training step allocates and frees the same large arrays (im2col matrices, feature maps,
their gradients) every batch. glibc's malloc returns blocks above 128 KB to the operating
system at once (mmap/munmap), so each step pays again for the kernel to fault in and zero
those pages. PyTorch avoids this with its caching allocator; we get the same effect by asking
glibc to keep freed memory (`mallopt`), which costs only a higher resident size while it lasts.

Nothing happens at import. `keep_freed_memory()` raises glibc's thresholds and
`release_freed_memory()` puts glibc's documented defaults back and returns the kept memory
to the system (`malloc_trim`); `strided.runtime.speed_settings()` pairs them around `fit`.
One trace stays: glibc stops raising its mmap threshold by itself (its "dynamic threshold")
once any program has called `mallopt`, so afterwards large blocks are always returned at once.

Linux with glibc only. Nothing is changed when STRIDED_KEEP_MEMORY=0, or when the user set
glibc's own malloc variables (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_,
GLIBC_TUNABLES): their choice wins.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

_KEPT = {_M_MMAP_THRESHOLD: 32 * 1024 * 1024, _M_TRIM_THRESHOLD: 1024 * 1024 * 1024, _M_TOP_PAD: 64 * 1024 * 1024}
# glibc's defaults (malloc.c: DEFAULT_MMAP_THRESHOLD_MIN, DEFAULT_TRIM_THRESHOLD, DEFAULT_TOP_PAD).
_DEFAULTS = {_M_MMAP_THRESHOLD: 128 * 1024, _M_TRIM_THRESHOLD: 128 * 1024, _M_TOP_PAD: 0}
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")

_libc = []  # [the C library, or None], found on first use


def _glibc():
    """glibc's handle when strided may change malloc's settings, else None."""
    if os.environ.get("STRIDED_KEEP_MEMORY", "1") == "0" or any(v in os.environ for v in _USER_SETTINGS):
        return None
    if not _libc:
        library = None
        if sys.platform.startswith("linux"):
            try:
                library = ctypes.CDLL("libc.so.6")
                library.mallopt, library.malloc_trim  # noqa: B018  (glibc has both; musl has neither)
            except (OSError, AttributeError):
                library = None
        _libc.append(library)
    return _libc[0]


def keep_freed_memory():
    """Raise glibc's mmap and trim thresholds; returns True when the setting took effect."""
    library = _glibc()
    return library is not None and all(library.mallopt(k, v) for k, v in _KEPT.items())


def release_freed_memory():
    """Put glibc's default thresholds back and return kept memory to the system."""
    library = _glibc()
    if library is None:
        return False
    for key, value in _DEFAULTS.items():
        library.mallopt(key, value)
    library.malloc_trim(0)
    return True
