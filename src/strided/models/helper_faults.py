"""When a forked helper of fit() or predict() fails: its exception carried back, and waits
that end (`models.forked` forks the helpers).

- A helper's exception is pickled into shared memory (`write_error`) and raised again in the
  caller as itself (`helper_error`): the same type and message as on one process, with a note
  naming the helper and its traceback there; no traceback pasted into the message.
- Every wait for a helper ends: after `helper_timeout()` seconds without an answer (a helper
  stopped with SIGSTOP, or deadlocked) it is killed and named in a `HelperTimeoutError`
  (`stalled`); `end` waits a while for a helper to exit, then kills it. Nothing is left: the
  shared memory is an anonymous mapping, gone with the processes.
"""

import importlib
import os
import pickle
import signal
import sys
import time
import traceback

import numpy as np

ERROR_BYTES = 16384  # room for a helper's exception (pickled) and traceback
DEFAULT_TIMEOUT = 30.0  # seconds a process waits for a partner that neither answers nor ends
_timeout = [None]      # set_helper_timeout's value, if called


class HelperTimeoutError(TimeoutError):
    """A helper process of fit() or predict() did not answer in time (stopped, or deadlocked)."""


def helper_timeout():
    """Seconds fit() and predict() wait for a helper process before giving up on it: the value
    given to `set_helper_timeout`, else the environment's STRIDED_HELPER_TIMEOUT, else 30."""
    if _timeout[0] is not None:
        return _timeout[0]
    try:
        seconds = float(os.environ.get("STRIDED_HELPER_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


def set_helper_timeout(seconds):
    """How long fit() and predict() wait for a silent helper process (default 30 s): then the
    helper is killed and a `HelperTimeoutError` names it. A step of one share must take less.
    None goes back to the default."""
    if seconds is None:
        _timeout[0] = None
        return
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"set_helper_timeout: expected a positive number of seconds. Received: {seconds!r}")
    _timeout[0] = float(seconds)


def write_error(errors):
    """The exception being handled, into `errors` (see `fork_helper`): pickled when it can be
    (to be raised again as itself by `helper_error`), with its type, message and traceback."""
    error = sys.exc_info()[1]
    record = {"type": f"{type(error).__module__}.{type(error).__qualname__}", "message": str(error)[:4000],
              "traceback": traceback.format_exc()[-4000:], "exception": None}
    try:
        record["exception"] = pickle.dumps(error)
        pickle.loads(record["exception"])
    except Exception:  # noqa: BLE001  (type and message then)
        record["exception"] = None
    data = pickle.dumps(record)
    if len(data) > ERROR_BYTES - 8:
        record["exception"], record["traceback"] = None, record["traceback"][-1000:]
        data = pickle.dumps(record)[: ERROR_BYTES - 8]
    errors[:8] = np.frombuffer(np.int64(len(data)).tobytes(), np.uint8)
    errors[8: 8 + len(data)] = np.frombuffer(data, np.uint8)


def error_of(errors):
    """The record a helper wrote into `errors` (a dict), or None."""
    length = int(np.frombuffer(bytes(errors[:8]), np.int64)[0])
    if length <= 0:
        return None
    try:
        return pickle.loads(bytes(errors[8: 8 + length]))  # written by our own forked child
    except Exception:  # noqa: BLE001
        return {"type": "RuntimeError", "message": "(its error report was cut short)", "exception": None}


def helper_error(errors, who):
    """The exception a helper raised (from `errors`), to raise again here: the same type and
    message as on one process, with a note naming `who` (e.g. "data-parallel helper process 1");
    None if it wrote none."""
    record = error_of(errors)
    if record is None:
        return None
    error = None
    if record.get("exception") is not None:
        try:
            error = pickle.loads(record["exception"])
        except Exception:  # noqa: BLE001
            error = None
    if not isinstance(error, BaseException):
        error = _rebuilt(record["type"], record["message"])
    if not isinstance(error, BaseException):
        error = RuntimeError(f"{who} raised {record['type']}: {record['message']}")
    error.add_note(f"(raised in {who}; its traceback there:\n{record.get('traceback', '').rstrip()})")
    return error


def _rebuilt(type_name, message):
    """type_name(message) for an exception class that could not be pickled, or None."""
    module, _, name = type_name.rpartition(".")
    try:
        cls = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        return cls(message) if isinstance(cls, type) and issubclass(cls, Exception) else None
    except Exception:  # noqa: BLE001
        return None


def stalled(what, p, pid):
    """The HelperTimeoutError for helper p (pid `pid`) of `what`, after killing it."""
    kill(pid)
    return HelperTimeoutError(
        f"{what}: helper process {p} (pid {pid}) did not answer for {helper_timeout():g} s: it is "
        "stopped or deadlocked. It was killed and the run ended. (strided.models.forked."
        "set_helper_timeout(seconds), or the environment's STRIDED_HELPER_TIMEOUT, sets how long "
        "to wait; strided.set_data_parallel(False) trains in this process only.)"
    )


def kill(pid):
    """Kill the forked child `pid` (stopped or not) and reap it."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    reap(pid)


def exit_status(pid):
    """The forked child `pid`'s exit status once it has ended (0 if the system reaped it
    already), None while it runs."""
    try:
        finished, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return 0
    return os.waitstatus_to_exitcode(status) if finished else None


def end(pid, grace):
    """Wait up to `grace` seconds for the forked child `pid` to exit, then kill it; its exit
    status (None if it had to be killed)."""
    deadline = time.monotonic() + grace
    while True:
        status = exit_status(pid)
        if status is not None:
            return status
        if time.monotonic() >= deadline:
            kill(pid)
            return None
        time.sleep(0.002)


def child_alive(pid):
    """Whether the forked child `pid` is still running (for `acquire`)."""
    try:
        return not os.waitpid(pid, os.WNOHANG)[0]
    except ChildProcessError:  # already reaped (SIGCHLD ignored by the program)
        return False


def reap(pid):
    """Wait for the forked child `pid` to end; its exit status, or 0 if the system reaped it
    already (a program that ignores SIGCHLD): then its `errors` tell whether it failed."""
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:
        return 0


__all__ = ["ERROR_BYTES", "HelperTimeoutError", "helper_timeout", "set_helper_timeout", "write_error",
           "error_of", "helper_error", "stalled", "kill", "exit_status", "end", "child_alive", "reap"]
