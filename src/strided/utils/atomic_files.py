"""Atomic file writes (used by `saving` for model and weight files, and by the callbacks): a save interrupted half-way never destroys the previous file.

The data goes to a temporary file in the destination folder (same filesystem), is flushed
to disk, and only then renamed over the destination with `os.replace`, which is atomic.
On any error the temporary file is removed and the old file is untouched.

A process killed while writing (`kill -9`, a power cut) cannot remove its temporary file. Its
name, ".<target name>.<pid>.<random>.tmp", says whose it was: the next save to the same target
removes the temporaries of processes that no longer run (and those this process left).
"""

import contextlib
import os
import re
import tempfile

_writing = set()  # the temporary files this process is writing now
# After the prefix: "<pid>.<mkstemp's random part>.tmp" (or without the pid, as saves before
# the pid was added named them); anything else belongs to another target
_TEMPORARY = re.compile(r"(?:(\d+)\.)?[A-Za-z0-9_]+\.tmp")


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
    remove_stale_temporaries(filepath)
    descriptor, temporary = tempfile.mkstemp(
        prefix=_prefix(filepath) + f"{os.getpid()}.", suffix=".tmp", dir=directory
    )
    _writing.add(temporary)
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
    finally:
        _writing.discard(temporary)


def _prefix(filepath):
    return "." + os.path.basename(filepath) + "."


def remove_stale_temporaries(filepath):
    """Remove the temporary files of earlier saves to `filepath` left by a process that was
    killed (or by this one); returns their paths. Another running process's are kept."""
    directory = os.path.dirname(os.path.abspath(filepath))
    prefix = _prefix(filepath)
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _TEMPORARY.fullmatch(name[len(prefix):]) if name.startswith(prefix) else None
        if match is None:
            continue
        path = os.path.join(directory, name)
        if path in _writing or _owner_runs(match.group(1)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return removed


def _owner_runs(pid):
    """Whether the process `pid` (a temporary's, a string or None) still runs (not this one)."""
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["atomic_write", "remove_stale_temporaries"]
