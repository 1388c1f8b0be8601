"""Pieces of `strided train`: optimizer, validation split, augmentation, timing, thread limits,
the backup that `--resume` continues from, and Ctrl-C stopping at the end of a step."""

import contextlib
import math
import signal
import sys
import threading
import time

from strided._blas_threads import get_num_threads, set_num_threads
from strided.callbacks import Callback
from strided.cli._errors import UsageError
from strided.cli._output import note

OPTIMIZER_NAMES = ("sgd", "rmsprop", "adam", "adamw", "adagrad")


def make_optimizer(name, learning_rate=None):
    """An optimizer by name ('adam', 'SGD', ...), with `learning_rate` when given."""
    from strided import optimizers

    key = str(name).strip().lower()
    if key not in OPTIMIZER_NAMES:
        raise UsageError(f"unknown optimizer '{name}'; "
                         f"expected one of {', '.join(OPTIMIZER_NAMES)}")
    optimizer = optimizers.get(key)
    if learning_rate is not None:
        optimizer.learning_rate = float(learning_rate)
    return optimizer


def learning_rate_of(optimizer):
    """The current learning rate as a float (a schedule is evaluated at the current step)."""
    rate = optimizer.learning_rate
    if callable(rate):
        rate = rate(getattr(optimizer, "iterations", 0))
    return float(getattr(rate, "data", rate))


def split_validation(x, y, fraction):
    """Keras' validation_split: hold out the last `fraction` of the arrays (before shuffling).

    Returns ((x_train, y_train), (x_val, y_val) or None).
    """
    if not fraction:
        return (x, y), None
    split_at = math.ceil(len(x) * (1.0 - fraction))
    if split_at >= len(x) or split_at == 0:
        note(f"--validation-split {fraction} leaves no validation (or no training) images out of "
             f"{len(x)}; training without validation")
        return (x, y), None
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])


def make_augmenter(flip):
    """Lesson 001's augmentation (small rotations and shifts, optional horizontal flips)."""
    from strided.preprocessing import ImageDataGenerator

    return ImageDataGenerator(rotation_range=10, width_shift_range=0.1, height_shift_range=0.1,
                              horizontal_flip=flip, fill_mode="constant", cval=0.0)


def fit_model(model, train, validation, args, flip=True, backup=None):
    """model.fit with the command's options; returns (History, EpochTimer, interrupted).

    With --augment the batches come from a seeded DataLoader that augments each batch;
    --early-stopping watches val_loss (loss without validation) and restores the best weights.
    `backup` (a BackupAndRestore) saves the training state, and restores it when resuming.
    Ctrl-C stops training at the end of the current step (`interrupted` is then True); a second
    Ctrl-C stops at once.
    """
    from strided.callbacks import EarlyStopping

    timer = EpochTimer(len(train[0]))
    callbacks = [timer] + ([backup] if backup is not None else [])
    if args.early_stopping:
        callbacks.append(EarlyStopping(monitor="loss" if validation is None else "val_loss",
                                       patience=args.early_stopping, restore_best_weights=True,
                                       verbose=1 if args.verbose else 0))
    options = {"epochs": args.epochs, "validation_data": validation, "callbacks": callbacks,
               "verbose": args.verbose}
    with stop_at_step_end_on_ctrl_c(model) as interruption:
        if args.augment:
            from strided.data import DataLoader

            loader = DataLoader(*train, batch_size=args.batch_size, shuffle=True, seed=args.seed,
                                augment=make_augmenter(flip))
            options["callbacks"] = callbacks + [LoaderSeededByEpoch(loader, args.seed)]
            history = model.fit(loader, **options)
        else:
            history = model.fit(*train, batch_size=args.batch_size, shuffle=True, **options)
    return history, timer, interruption["interrupted"]


@contextlib.contextmanager
def stop_at_step_end_on_ctrl_c(model):
    """For the block (fit), Ctrl-C (SIGINT) sets `model.stop_training`: training stops at the
    end of the current step. A second Ctrl-C raises KeyboardInterrupt at once. The previous
    handler is back afterwards (none is installed at import, nor outside the main thread).

    Yields {"interrupted": bool}.
    """
    state = {"interrupted": False}
    if threading.current_thread() is not threading.main_thread() or _several_ranks():
        # under mpiexec the launcher passes Ctrl-C to every rank, each at its own step: stopping
        # "at the end of this step" could stop the ranks at different steps. KeyboardInterrupt
        # ends every rank at once instead; --resume continues from the last backup.
        yield state
        return

    def handler(signum, frame):
        if state["interrupted"]:
            raise KeyboardInterrupt
        state["interrupted"] = True
        model.stop_training = True
        print("\nInterrupted: stopping at the end of this step (Ctrl-C again to stop at once)...",
              file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def _several_ranks():
    """Whether an MPI launcher started this process as one of several ranks."""
    from strided.distributed import launcher

    return launcher.launched_with_several_ranks() is not None


class LoaderSeededByEpoch(Callback):
    """Reseed a DataLoader's generator from (seed, epoch) as each epoch begins: its shuffling
    and augmentation then depend on the epoch alone, so a run resumed in the middle of an epoch
    (`--resume`) draws the batches the uninterrupted run drew."""

    def __init__(self, loader, seed):
        super().__init__()
        self.loader, self.seed = loader, seed

    def on_epoch_begin(self, epoch, logs=None):
        import numpy as np

        self.loader.rng = np.random.default_rng([int(self.seed), int(epoch)])


class EpochTimer(Callback):
    """Measure the training part of each epoch (validation excluded) and count the images.

    Attributes:
        seconds: one duration per finished epoch.
    """

    def __init__(self, images_per_epoch):
        super().__init__()
        self.images_per_epoch = images_per_epoch
        self.seconds = []
        self._start = None
        self._train_end = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._train_end = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        if self._start is not None and self._train_end is None:
            self._train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        end = self._train_end or time.perf_counter()
        if self._start is not None:
            self.seconds.append(end - self._start)
        self._start = None

    def summary(self):
        """{"epochs", "seconds_per_epoch", "images_per_second"} of the epochs run."""
        if not self.seconds:
            return {"epochs": 0, "seconds_per_epoch": 0.0, "images_per_second": 0.0}
        mean = sum(self.seconds) / len(self.seconds)
        return {"epochs": len(self.seconds), "seconds_per_epoch": mean,
                "images_per_second": self.images_per_epoch / mean if mean > 0 else 0.0}


@contextlib.contextmanager
def thread_limit(threads):
    """Use `threads` threads: set_num_threads (strided's kernels and OpenBLAS), plus
    threadpoolctl's limits for any other BLAS/OpenMP runtime when that package is installed."""
    if threads is None:
        yield
        return
    before = get_num_threads()
    set_num_threads(threads)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            yield
            return
        with threadpool_limits(limits=threads):
            yield
    finally:
        set_num_threads(before)


__all__ = ["OPTIMIZER_NAMES", "make_optimizer", "learning_rate_of", "split_validation",
           "make_augmenter", "fit_model", "EpochTimer", "LoaderSeededByEpoch", "thread_limit", "stop_at_step_end_on_ctrl_c"]
