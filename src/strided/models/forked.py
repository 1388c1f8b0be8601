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
"""

import math
import mmap
import os
import sys
import time
import traceback
import warnings

import numpy as np

from strided import _config
from strided.callbacks.callback import Callback
from strided.callbacks.history import History
from strided.callbacks.model_checkpoint import ModelCheckpoint
from strided.callbacks.progbar_logger import ProgbarLogger
from strided.callbacks.terminate_on_nan import TerminateOnNaN
from strided.utils import random as strided_random

WAIT = 1.0  # seconds between checks that the partner process is still alive
SPIN = 0.001  # seconds a process polls for its partner's signal before it sleeps (`acquire`)
ERROR_BYTES = 4096  # room for a helper's traceback
# strided's callbacks whose batch hooks only read the model or set `stop_training`
_READ_ONLY_BETWEEN_BATCHES = (History, ProgbarLogger, ModelCheckpoint, TerminateOnNaN)


def usable():
    """Whether this process may fork helpers: Linux (fork with its threads' state known) and
    `strided.set_data_parallel` not turned off."""
    return _config.data_parallel_enabled() and hasattr(os, "fork") and sys.platform.startswith("linux")


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
    with warnings.catch_warnings():  # Python 3.12+ warns of forking with threads: strided's wait
        warnings.simplefilter("ignore", DeprecationWarning)  # on locks, OpenBLAS's have fork handlers
        pid = os.fork()
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


def write_error(errors):
    """The traceback of the exception being handled, into `errors` (see `fork_helper`)."""
    message = traceback.format_exc().encode("utf-8", "replace")[-(ERROR_BYTES - 1):]
    errors[: len(message)] = np.frombuffer(message, np.uint8)


def error_of(errors):
    """The traceback text a helper wrote into `errors`, or ''."""
    return bytes(errors).rstrip(b"\0").decode("utf-8", "replace")


def acquire(semaphore, partner_alive):
    """Acquire `semaphore`; False if `partner_alive()` (checked every WAIT seconds) turns false.

    It spins first, up to SPIN seconds: a process that sleeps while it waits takes 30-40 us to be
    woken on a virtual machine, every step. Measured on the 2-core Xeon, Fashion-MNIST at batch
    32: 7.25-7.67 ms a step without spinning, 7.04-7.41 spinning up to 0.5 ms, 7.05-7.08 up to 2.
    """
    deadline = time.perf_counter() + SPIN
    while time.perf_counter() < deadline:
        if semaphore.acquire(False):
            return True
    while not semaphore.acquire(timeout=WAIT):
        if not partner_alive():
            return False
    return True


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
