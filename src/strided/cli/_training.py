"""Pieces of `strided train`: optimizer, validation split, augmentation, timing, thread limits."""

import contextlib
import math
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


def fit_model(model, train, validation, args, flip=True):
    """model.fit with the command's options; returns (History, EpochTimer).

    With --augment the batches come from a seeded DataLoader that augments each batch;
    --early-stopping watches val_loss (loss without validation) and restores the best weights.
    """
    from strided.callbacks import EarlyStopping

    timer = EpochTimer(len(train[0]))
    callbacks = [timer]
    if args.early_stopping:
        callbacks.append(EarlyStopping(monitor="loss" if validation is None else "val_loss",
                                       patience=args.early_stopping, restore_best_weights=True,
                                       verbose=1 if args.verbose else 0))
    options = {"epochs": args.epochs, "validation_data": validation, "callbacks": callbacks,
               "verbose": args.verbose}
    if args.augment:
        from strided.data import DataLoader

        loader = DataLoader(*train, batch_size=args.batch_size, shuffle=True, seed=args.seed,
                            augment=make_augmenter(flip))
        history = model.fit(loader, **options)
    else:
        history = model.fit(*train, batch_size=args.batch_size, shuffle=True, **options)
    return history, timer


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
           "make_augmenter", "fit_model", "EpochTimer", "thread_limit"]
