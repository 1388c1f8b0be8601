"""Atomic file writes: a save interrupted half-way never destroys the previous file.

The data goes to a temporary file in the destination folder (same filesystem), is flushed
to disk, and only then renamed over the destination with `os.replace`, which is atomic.
On any error the temporary file is removed and the old file is untouched.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(filepath):
    """Yield a binary file object; on success it replaces `filepath` in one step.

    >>> with atomic_write("model.keras") as f:
    ...     f.write(data)
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to '{filepath}': the folder '{directory}' does not exist.")
    descriptor, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(filepath) + ".", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes it private (0600)
        os.replace(temporary, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["atomic_write"]
