"""How long a rank waits for the others: `timeout()` and `set_timeout(seconds)`.

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


__all__ = ["DEFAULT_TIMEOUT", "ENVIRONMENT_VARIABLE", "timeout", "set_timeout"]
