"""`BackupAndRestore`: resume a `fit` that was interrupted, exactly where it was (Keras 3 API).

Keras' callback backs up the weights and the epoch, so a resumed run repeats the interrupted
epoch. This one backs up everything the rest of the run depends on, so that a run killed at
any moment (`kill -9`, a power cut) and started again ends with the same weights, bit for bit,
as if it had never stopped:

- every weight (batch norm's statistics too) and the optimizer's state (iterations, learning
  rate, slots);
- where training stands: the epoch and the step within it (a mid-epoch backup resumes at
  the next step, not at the start of the epoch);
- the randomness: the run's training seed (fit's shuffling and each sample's dropout, noise and
  augmentation are keyed by it, `strided.utils.keyed_random`), strided's shared generator,
  NumPy's and Python's global ones, and each layer's own seeded generator.

All of it is one file, `backup_dir/backup.npz`, written atomically (`utils.atomic_files`): a kill
while writing leaves the previous backup whole. What is not restored: other callbacks' own
state (EarlyStopping's patience count, ReduceLROnPlateau's), the running metrics of a
resumed epoch (its logs cover the steps after the resume), and batches drawn from a Python
generator's own random state (fit on arrays, or augmentation layers in the model, resume
exactly).
"""

import json
import os
import shutil
import zipfile

import numpy as np

from strided.callbacks.callback import Callback
from strided.utils import random as strided_random
from strided.utils.atomic_files import atomic_write

FORMAT = 1


class BackupAndRestore(Callback):
    """Back up the training state regularly; `fit` restarted with it resumes where it stopped.

    Args:
        backup_dir: a folder for this run's backup only (not shared with another callback or
            run); created when needed.
        save_freq: "epoch" (at each epoch's end), an integer (every that many batches), or
            False (only when training is stopped, `model.stop_training`).
        double_checkpoint: also keep the previous backup (`backup.npz.bkp`), used when the
            latest cannot be read.
        delete_checkpoint: remove the backup folder when training ends at an epoch's end
            (a run stopped in the middle of an epoch, e.g. by Ctrl-C in `strided train`,
            keeps it so that it can be resumed).

    Example:
        >>> backup = BackupAndRestore("runs/backup", save_freq=100)
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # killed? run the same line again
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        valid = save_freq in ("epoch", False) or (
            isinstance(save_freq, (int, np.integer)) and not isinstance(save_freq, bool) and save_freq > 0)
        if not valid:
            raise ValueError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq!r}. "
                "Expected either 'epoch', a positive integer or False."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._backup_path = os.path.join(self.backup_dir, "backup.npz")
        self._previous_path = self._backup_path + ".bkp"
        self._epoch = 0
        self._next_step = 0
        self._batches_since_save = 0
        self._stopped_mid_epoch = False
        self._resume = None

    last_saved_at = None  # (epoch, step) where the last backup resumes, once one was saved

    @property
    def backup_path(self):
        """The backup file (it may not exist yet)."""
        return self._backup_path

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        self._stopped_mid_epoch = False
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call "
                f"`fit()`. Model {self.model.name!r} is unbuilt. You can build it beforehand by "
                "calling it on a batch of data, or give it an Input."
            )
        state = None
        for path in (self._backup_path, self._previous_path):
            if os.path.exists(path):
                try:
                    state = _read(path)
                    break
                except ValueError:
                    if path == self._previous_path or not os.path.exists(self._previous_path):
                        raise
        if state is not None:
            self._restore(state)

    def _restore(self, state):
        arrays, metadata = state
        model = self.model
        weights = [arrays[f"weight.{i}"] for i in range(metadata["weights"])]
        expected = [tuple(np.shape(w)) for w in model.get_weights()]
        if [w.shape for w in weights] != expected:
            raise ValueError(
                f"BackupAndRestore: the backup '{self._backup_path}' holds {len(weights)} weights of "
                f"shapes {[w.shape for w in weights]}, but model '{model.name}' has {len(expected)} of "
                f"shapes {expected}: it was made by another model. Use a new backup_dir for this one."
            )
        model.set_weights(weights)
        optimizer = model.optimizer
        if optimizer is not None:
            if not optimizer.built:
                optimizer.build(model.trainable_weights)
            prefix = "optimizer."
            optimizer.set_state({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
        strided_random.set_state(metadata["random"])
        for layer, generator_state in zip(_layers_with_generators(model), metadata["layer_generators"]):
            if generator_state is not None:
                layer._generator.bit_generator.state = _from_jsonable(generator_state)
        model._training_seed = metadata["seed"]
        model._resume_at = self._resume = (metadata["epoch"], metadata["step"])

    # ------------------------------------------------------------------ back up
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        resumed, self._resume = self._resume, None
        self._next_step = resumed[1] if resumed and resumed[0] == epoch else 0

    def on_train_batch_end(self, batch, logs=None):
        self._next_step = batch + 1
        if self.save_freq in ("epoch", False):
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(*self._position())

    def _position(self):
        """(epoch, step) where a resumed run starts: the next step, or the next epoch."""
        steps = self.params.get("steps")
        if steps is not None and self._next_step >= steps:
            return self._epoch + 1, 0
        return self._epoch, self._next_step

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps")
        if self.model.stop_training and steps is not None and 0 < self._next_step < steps:
            self._stopped_mid_epoch = True  # stopped between batches: resume at the next one
            self._save(epoch, self._next_step)
        elif self.save_freq == "epoch" or self.model.stop_training:
            self._save(epoch + 1, 0)
        self._next_step = 0

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and not self._stopped_mid_epoch and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)

    def _save(self, epoch, step):
        model = self.model
        weights = model.get_weights()
        arrays = {f"weight.{i}": np.asarray(w) for i, w in enumerate(weights)}
        if model.optimizer is not None:
            arrays.update({f"optimizer.{k}": np.asarray(v) for k, v in model.optimizer.get_state().items()})
        metadata = {
            "format": FORMAT, "epoch": int(epoch), "step": int(step), "weights": len(weights),
            "seed": getattr(model, "_training_seed", None), "random": strided_random.get_state(),
            "layer_generators": [_jsonable(layer._generator.bit_generator.state)
                                 for layer in _layers_with_generators(model)],
        }
        arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._backup_path):
            os.replace(self._backup_path, self._previous_path)  # atomic: one of the two is whole
        with atomic_write(self._backup_path) as handle:
            np.savez(handle, **arrays)
        self.last_saved_at = (int(epoch), int(step))


def _layers_with_generators(model):
    return [layer for layer in model._flatten_layers()
            if isinstance(getattr(layer, "_generator", None), np.random.Generator)]


def _read(path):
    """(arrays, metadata) of a backup file; ValueError naming the file if it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        metadata = json.loads(arrays.pop("metadata").tobytes().decode("utf-8"))
        if metadata.get("format") != FORMAT:
            raise ValueError(f"format {metadata.get('format')!r}, expected {FORMAT}")
        return arrays, metadata
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise ValueError(f"BackupAndRestore: cannot read the backup '{path}': {error}") from None


def _jsonable(value):
    return strided_random._jsonable(value)


def _from_jsonable(value):
    return strided_random._from_jsonable(value)


__all__ = ["BackupAndRestore"]
