"""`ModelCheckpoint`: save the model (or its weights) during training (Keras 3 semantics).

The file path may contain `str.format` fields filled from the epoch (counted from 1) and the
logs: "ckpt-{epoch:02d}-{val_loss:.2f}.keras" -> "ckpt-03-0.41.keras".
"""

import os
import warnings

import numpy as np

from strided.callbacks.monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save the model every epoch (or every `save_freq` batches), or only when it improves.

    Args:
        filepath: where to save; may contain {epoch}, {batch} and any log key.
        monitor: the log key deciding "best". Defaults to "val_loss".
        verbose: 1 prints a message on each save decision.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: call `model.save_weights(path)` instead of `model.save(path)`.
        mode: "auto", "min" or "max".
        save_freq: "epoch" or an integer number of batches.
        initial_value_threshold: only save once `monitor` beats this value.

    Example:
        >>> ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected 'epoch' or a positive integer."
            )
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self._batches_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
            if self.initial_value_threshold is not None:
                self.best = self.initial_value_threshold

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _get_file_path(self, epoch, batch, logs):
        try:
            fields = dict(logs or {})
            if batch is None or "batch" in fields:
                return self.filepath.format(epoch=epoch + 1, **fields)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **fields)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {error} is '
                f"not in the logs. Available keys: {sorted(logs or {})}"
            ) from None

    def _save_model(self, epoch, batch, logs):
        if self.monitor_op is None:
            self.on_train_begin()
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._save(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                          stacklevel=2)
            return
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Skipping.", stacklevel=2)
            return
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)


__all__ = ["ModelCheckpoint"]
