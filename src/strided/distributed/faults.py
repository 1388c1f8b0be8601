"""An exception raised on one rank, as a message to the others and raised again there as itself.

`record(error, rank)` turns the exception into a small picklable dict (the exception pickled
when it can be, its type's name, message and traceback); `rebuilt(record, ...)` makes it an
exception again on another rank: the same type with the same message when the type can be
rebuilt (pickled, else `Type(message)`), else a `strided.errors.DistributedError` carrying the
type's name and the message. Either way a note names the rank that raised it and holds its
traceback there (no traceback pasted into the message).
"""

import importlib
import pickle
import traceback

from strided.errors import DistributedError

_MESSAGE_CHARACTERS = 4000
_TRACEBACK_CHARACTERS = 6000
_PICKLED_BYTES = 1 << 20  # an exception carrying more (a large array?) travels as type and message
# set on an exception this package already told the other ranks about (or received from them)
SHARED = "_strided_distributed_shared"


def type_name(error):
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def record(error, rank, unresponsive=()):
    """A picklable dict describing `error` raised on `rank` (`unresponsive`: ranks known not
    to answer, for the others' exit)."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    entry = {"rank": rank, "type": type_name(error), "message": str(error)[:_MESSAGE_CHARACTERS],
             "traceback": text[-_TRACEBACK_CHARACTERS:], "exception": None,
             "unresponsive": sorted(unresponsive)}
    try:
        pickled = pickle.dumps(error)
        pickle.loads(pickled)
        entry["exception"] = pickled if len(pickled) <= _PICKLED_BYTES else None
    except Exception:  # noqa: BLE001  (sent as type name and message then)
        entry["exception"] = None
    return entry


def _by_name(name, message):
    """name(message) for an importable exception class, or None."""
    module, _, qualname = name.rpartition(".")
    try:
        found = importlib.import_module(module or "builtins")
        for part in qualname.split("."):
            found = getattr(found, part)
        if isinstance(found, type) and issubclass(found, Exception):
            return found(message)
    except Exception:  # noqa: BLE001
        pass
    return None


def add_note(error, note):
    """`error.add_note(note)` (Python 3.11+); on 3.10 the note is kept in `__notes__` too."""
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:
        error.__notes__ = [*getattr(error, "__notes__", []), note]


def rebuilt(entry, size, here, doing):
    """The exception `entry` (from `record`) describes, to raise on rank `here` of `size`,
    which was in `doing` (e.g. "allreduce_sum") when it heard."""
    error = None
    if entry.get("exception") is not None:
        try:
            error = pickle.loads(entry["exception"])  # sent by a rank of this same job
        except Exception:  # noqa: BLE001
            error = None
    if not isinstance(error, BaseException):
        error = _by_name(entry["type"], entry["message"])
    if not isinstance(error, BaseException):
        error = DistributedError(f"rank {entry['rank']} raised {entry['type']}: {entry['message']}",
                                 rank=entry["rank"], type_name=entry["type"])
    setattr(error, SHARED, True)
    add_note(error, f"(raised on rank {entry['rank']} of {size}, and so on every rank; rank {here} was "
                    f"in {doing}. Its traceback on rank {entry['rank']}:\n{entry['traceback'].rstrip()})")
    return error


__all__ = ["SHARED", "record", "rebuilt", "add_note", "type_name"]
