"""How long a rank waits for the others (`timeout()`, `set_timeout(seconds)`), and whether the
gradients' sums overlap the backward pass (`overlap()`, `set_overlap(mode)`).

Every wait of a collective operation ends after this many seconds without the other ranks
(then `strided.errors.DistributedTimeoutError`, and the job ends). The value set with
`set_timeout`, else the environment's STRIDED_DISTRIBUTED_TIMEOUT, else 30 s: well under a
minute, yet far longer than one training step of a model strided trains. A step (or the
slowest rank's lead over the others) must take less than the timeout.
"""

import os

DEFAULT_TIMEOUT = 30.0
ENVIRONMENT_VARIABLE = "STRIDED_DISTRIBUTED_TIMEOUT"
_chosen = [None]  # set_timeout's value, if called


def _seconds(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value != value:
        raise ValueError(f"{where}: expected a positive number of seconds. Received: {value!r}")
    return float(value)


def timeout():
    """Seconds a collective operation waits for the other ranks before it gives up."""
    if _chosen[0] is not None:
        return _chosen[0]
    text = os.environ.get(ENVIRONMENT_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = None
    return _seconds(value if value is not None else text, f"the environment's {ENVIRONMENT_VARIABLE}")


def set_timeout(seconds):
    """Wait at most `seconds` (a positive number) for the other ranks in every collective
    operation of this process; None goes back to STRIDED_DISTRIBUTED_TIMEOUT or 30 s. Every
    rank should set the same value."""
    _chosen[0] = None if seconds is None else _seconds(seconds, "strided.distributed.set_timeout")


OVERLAP_VARIABLE = "STRIDED_DISTRIBUTED_OVERLAP"
_overlap = [None]  # set_overlap's value, if called


def _overlap_mode(value, where):
    if value in ("auto", True, False):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no"):
        return False
    if text == "auto":
        return "auto"
    raise ValueError(f"{where}: expected 'auto', True or False. Received: {value!r}")


def overlap():
    """Whether data-parallel training starts summing a bucket of gradients over the ranks as
    soon as the backward pass has made them, while it makes the others: True, False, or "auto"
    (the default: only when the ranks are on more than one machine -- the network then moves
    the sums while the cores compute; on one machine the copies would take the same cores)."""
    if _overlap[0] is not None:
        return _overlap[0]
    text = os.environ.get(OVERLAP_VARIABLE)
    if text is None or not text.strip():
        return "auto"
    return _overlap_mode(text, f"the environment's {OVERLAP_VARIABLE}")


def set_overlap(mode):
    """Overlap the gradients' sums with the backward pass: True, False, or "auto" (see
    `overlap`); None goes back to STRIDED_DISTRIBUTED_OVERLAP or "auto". Every rank should set
    the same value. The result is the same bits either way."""
    _overlap[0] = None if mode is None else _overlap_mode(mode, "strided.distributed.set_overlap")


__all__ = ["DEFAULT_TIMEOUT", "ENVIRONMENT_VARIABLE", "OVERLAP_VARIABLE", "timeout", "set_timeout", "overlap",
           "set_overlap"]
