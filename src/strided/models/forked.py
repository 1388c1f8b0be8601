"""What fit() and predict() need to run on forked processes (`data_parallel`, `parallel_predict`).

Why processes: strided's kernels split a batch over threads, but threads share Python's GIL.
Between two NumPy calls a thread needs the GIL; if the other thread holds it, it sleeps, and a
sleeping core of a virtual machine is slow to wake, so two processes with half the images each
run a convolution faster than two threads (docs/speed.md has the measurement). A forked process
has its own interpreter and GIL, and a copy of the caller's model, data and settings.

Forking is opt-in (`strided.set_data_parallel(True)`); without it fit and predict run in the
calling process, and `mpiexec -n N` runs them on N ranks (`strided.distributed`).

Here: whether forking is possible and wanted (`usable`), arrays in shared memory (`Shared`),
forking a helper that reports its exception (`fork_helper`), waiting for a partner without
sleeping through its signal (`acquire`), and what a helper changes in itself after the fork.

Faults never hang the caller (`models.helper_faults`): every wait ends after
`helper_timeout()` seconds without an answer, and a helper's exception reaches the caller as
itself.
"""

import gc
import math
import mmap
import os
import sys
import time

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
    """Whether this process may fork helpers: only when the program asked for them
    (`strided.set_data_parallel(True)`: it answers for its own threads), on Linux. The default
    ("auto") trains and predicts in this process, on threads: forked processes were not
    measurably faster than MPI's ranks on one machine (`mpiexec -n N`, docs/distributed.md), so
    strided does not fork the program's process unasked."""
    return (_config.data_parallel_requested() and hasattr(os, "fork")
            and sys.platform.startswith("linux"))


def uses_trainer_steps(model, *names):
    """Whether the model's class keeps the trainer's own methods `names` (train_step,
    compute_loss, ...) instead of overriding them; by qualified name, because
    `strided.models.training` imports the data-parallel modules (no import back)."""
    return all(getattr(type(model), name).__qualname__ == f"Trainer.{name}" for name in names)


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
    # Objects made before the fork stay out of the helper's garbage collection (`gc.freeze`):
    # collecting another library's objects there (TensorFlow's, whose destructors take locks its
    # threads held at the fork) could hang or abort the helper; and their pages stay shared.
    gc.freeze()
    pid = os.fork()  # the program asked for it (`usable`); strided's kernel threads have fork handlers
    if pid:
        gc.unfreeze()
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

    It spins first, up to SPIN seconds: a process that sleeps while it waits is slow to be woken
    on a virtual machine, every step (docs/speed.md has the measurement).
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
