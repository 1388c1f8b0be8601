"""What fit() and predict() need to run on forked processes (`data_parallel`, `parallel_predict`).

Why processes: strided's kernels split a batch over threads, but threads share Python's GIL.
Between two NumPy calls a thread needs the GIL; if the other thread holds it, it sleeps, and a
sleeping core of a virtual machine takes 30-40 us to wake. Measured on a 2-core Xeon VM: the
Fashion-MNIST CNN's convolutions (forward and backward, batch 32) take 7.1 ms on two threads and
5.5 ms as two processes with 16 images each. A forked process has its own interpreter and GIL,
and a copy of the caller's model, data and settings.

Here: whether forking is possible and wanted (`usable`), arrays in shared memory (`Shared`),
forking a helper that reports its exception (`fork_helper`), waiting for a partner without
sleeping through its signal (`acquire`), and what a helper changes in itself after the fork.

Faults never hang the caller (`models.helper_faults`): every wait ends after
`helper_timeout()` seconds without an answer, and a helper's exception reaches the caller as
itself.
"""

import math
import mmap
import os
import sys
import threading
import time
import warnings

import numpy as np

from strided import _config
from strided.callbacks.backup_and_restore import BackupAndRestore
from strided.callbacks.callback import Callback
from strided.callbacks.history import History
from strided.callbacks.model_checkpoint import ModelCheckpoint
from strided.callbacks.progbar_logger import ProgbarLogger
from strided.callbacks.terminate_on_nan import TerminateOnNaN
from strided.models.helper_faults import (  # noqa: F401  (forked.* is where callers find them)
    DEFAULT_TIMEOUT,
    ERROR_BYTES,
    HelperTimeoutError,
    _timeout,
    child_alive,
    end,
    error_of,
    exit_status,
    helper_error,
    helper_timeout,
    kill,
    reap,
    set_helper_timeout,
    stalled,
    write_error,
)
from strided.utils import random as strided_random

WAIT = 1.0  # seconds between checks that the partner process is still alive
SPIN = 0.001  # seconds a process polls for its partner's signal before it sleeps (`acquire`)
# strided's callbacks whose batch hooks only read the model (and write files) or set `stop_training`
_READ_ONLY_BETWEEN_BATCHES = (History, ProgbarLogger, ModelCheckpoint, TerminateOnNaN, BackupAndRestore)


def usable():
    """Whether this process may fork helpers: Linux, `strided.set_data_parallel` not turned off,
    and, unless the program asked for processes itself (`set_data_parallel(True)`), nothing in
    the process that a fork could break (`fork_hazard`): otherwise strided says why, once, and
    trains on threads."""
    if not (_config.data_parallel_enabled() and hasattr(os, "fork")
            and sys.platform.startswith("linux")):
        return False
    if _config.data_parallel_requested():
        return True
    hazard = fork_hazard()
    if hazard is not None:
        if hazard not in _warned:
            _warned.add(hazard)
            warnings.warn(f"strided trains and predicts on threads here, not on forked processes: "
                          f"{hazard}. strided.set_data_parallel(True) forks all the same, "
                          "strided.set_data_parallel(False) keeps threads without this note.",
                          RuntimeWarning, stacklevel=_caller_outside_strided())
        return False
    return True


_warned = set()


def _caller_outside_strided():
    """The warnings stack level of the first frame outside strided (the user's fit call)."""
    frame, level = sys._getframe(1), 1
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def uses_trainer_steps(model, *names):
    """Whether the model's class keeps the trainer's own methods `names` (train_step,
    compute_loss, ...) instead of overriding them; by qualified name, because
    `strided.models.training` imports the data-parallel modules (no import back)."""
    return all(getattr(type(model), name).__qualname__ == f"Trainer.{name}" for name in names)


def fork_hazard():
    """Why forking this process is unsafe, or None: an interactive kernel (Jupyter, IPython),
    whose own threads and sockets a forked copy would share, or a running non-daemon Python
    thread other than the main one and strided's kernel threads: the program's own worker,
    which may hold a lock a forked copy would wait on forever. Daemon threads (libraries'
    background threads, such as tqdm's monitor) are not counted."""
    ipython = sys.modules.get("IPython")
    if ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None:
        return "this is an interactive (IPython/Jupyter) session"
    others = sorted(thread.name for thread in threading.enumerate()
                    if thread is not threading.main_thread() and thread.name != "strided"
                    and not thread.daemon and thread.is_alive())
    if others:
        return f"other threads are running in this process ({', '.join(others[:3])})"
    return None


def read_only_between_batches(callbacks, hooks):
    """Whether none of `callbacks` does anything in `hooks` (names of batch hooks) but strided's
    own callbacks, which only read the model there or set `stop_training`."""
    for callback in callbacks:
        if type(callback) in _READ_ONLY_BETWEEN_BATCHES:  # (not a subclass: it may add hooks)
            continue
        if any(getattr(getattr(callback, hook, None), "__func__", None) is not getattr(Callback, hook)
               for hook in hooks):
            return False
    return True


class Shared:
    """Arrays in one anonymous shared mapping, made before the fork: every process sees them
    at the same addresses. `specs` is a list of (shape, dtype); `arrays` follow it."""

    def __init__(self, specs):
        offsets, total = [], 0
        for shape, dtype in specs:
            offsets.append(total)
            total += -(-math.prod(shape) * np.dtype(dtype).itemsize // 64) * 64
        self.memory = mmap.mmap(-1, max(total, 64))
        self.arrays = [np.frombuffer(self.memory, dtype, math.prod(shape), offset).reshape(shape)
                       for (shape, dtype), offset in zip(specs, offsets)]


def fork_helper(run, errors, stopped=()):
    """Fork a process that calls run() and exits (never returning here); returns its pid.

    An exception in run() is written (its traceback, as UTF-8) into `errors`, a uint8 array of
    ERROR_BYTES in shared memory, and the helper exits with status 1; exceptions of the types
    `stopped` end it quietly.
    """
    pid = os.fork()  # only strided's kernel threads run (`fork_hazard`); they have fork handlers
    if pid:
        return pid
    code = 0
    try:
        run()
    except tuple(stopped):
        pass
    except BaseException:  # noqa: BLE001  (reported by the parent)
        write_error(errors)
        code = 1
    finally:
        os._exit(code)


def acquire(semaphore, partner_alive, timeout=None):
    """Acquire `semaphore`: True; False if `partner_alive()` (checked every WAIT seconds) turns
    false; None after `timeout` seconds (default `helper_timeout()`) without either.

    It spins first, up to SPIN seconds: a process that sleeps while it waits takes 30-40 us to be
    woken on a virtual machine, every step. Measured on the 2-core Xeon, Fashion-MNIST at batch
    32: 7.25-7.67 ms a step without spinning, 7.04-7.41 spinning up to 0.5 ms, 7.05-7.08 up to 2.
    """
    deadline = time.perf_counter() + SPIN
    while time.perf_counter() < deadline:
        if semaphore.acquire(False):
            return True
    give_up = time.monotonic() + (helper_timeout() if timeout is None else timeout)
    while not semaphore.acquire(timeout=min(WAIT, max(give_up - time.monotonic(), 0.001))):
        if not partner_alive():
            return False
        if time.monotonic() >= give_up:
            return None
    return True


def own_random_streams(model, p):
    """Give helper p random generators of its own (dropout masks), seeded from the ones it
    inherited: reproducible with `set_random_seed`, and different from the parent's."""
    salt = 0x5EED + p
    seed = int(strided_random.get_rng().integers(2**62))
    strided_random._generator = np.random.default_rng([seed, salt])
    np.random.seed((seed + salt) % 2**32)
    for layer in model._flatten_layers():
        generator = getattr(layer, "_generator", None)
        if isinstance(generator, np.random.Generator):
            layer._generator = np.random.default_rng([int(generator.integers(2**62)), salt])


def private_bytes():
    """This process's private resident memory (Linux' /proc/self/smaps_rollup), in bytes."""
    try:
        with open("/proc/self/smaps_rollup") as status:
            return sum(int(line.split()[1]) * 1024 for line in status
                       if line.startswith(("Private_Clean:", "Private_Dirty:")))
    except OSError:
        return 0
