"""What fit, evaluate and predict do differently when the process is one of several ranks.

Under `mpiexec -n N python train.py`, `strided.distributed.world()` is a `Collective` of N ranks
and every rank runs the same fit/evaluate/predict, each on its shard of every global batch
(`models.replica`). This module holds the run-level parts:

- `replica_for_run()`: a `Replica` when there are several ranks, else None (one process);
- `share_state`: rank 0's training seed and resume point (after `on_train_begin`, where
  `BackupAndRestore` sets them on rank 0), then its weights and optimizer state (before the
  first step), on every rank: replicated weights from the start;
- `why_not_split`: the reason a run cannot be split over the ranks (then every rank computes
  every batch whole: the same result, no speed-up), said once by rank 0 at verbose >= 1;
- `rank_callbacks`: on ranks other than 0, no callback that writes or prints (ModelCheckpoint,
  CSVLogger, BackupAndRestore, TensorBoard, the progress bar);
- `BroadcastBatches`: a generator or dataset is drawn on rank 0 only and each batch broadcast
  (every rank then has the same global batch; nothing assumes the ranks' generators agree);
- `rank_threads`: the machine's cores shared among the ranks running on it (unless the program
  set a thread count itself), so that N ranks on one machine do not start N times its cores.
"""

import contextlib

import numpy as np

from strided import _blas_threads, _config
from strided.autograd import no_grad
from strided.callbacks.backup_and_restore import BackupAndRestore
from strided.callbacks.csv_logger import CSVLogger
from strided.callbacks.model_checkpoint import ModelCheckpoint
from strided.callbacks.progbar_logger import ProgbarLogger
from strided.callbacks.tensorboard import TensorBoard
from strided.layers.keras_tensor import flatten, map_structure
from strided.layers.normalization import BatchNormalization
from strided.models import data_adapter
from strided.models.replica import Replica

# Callbacks that write files or print: rank 0's alone (subclasses too).
RANK_ZERO_CALLBACKS = (ModelCheckpoint, CSVLogger, BackupAndRestore, TensorBoard, ProgbarLogger)


def world():
    """The ranks this process trains with (`strided.distributed.world()`)."""
    from strided import distributed

    return distributed.world()


def replica_for_run():
    """A `Replica` of the world's ranks, or None when this process is alone."""
    group = world()
    return Replica(group) if group.size > 1 else None


def rank_callbacks(callbacks, replica):
    """`callbacks` for this rank: all of them on rank 0 (or alone), else those that neither
    write nor print."""
    if replica is None or replica.is_primary or not isinstance(callbacks, (list, tuple)):
        return callbacks
    return [c for c in callbacks if not isinstance(c, RANK_ZERO_CALLBACKS)]


@contextlib.contextmanager
def rank_threads(replica):
    """Within the block, strided's kernels and OpenBLAS use this machine's usable cores divided
    by the ranks on this machine (at least one), unless `strided.set_num_threads` chose a count."""
    if _config.thread_setting() is not None:
        yield
        return
    threads = max(1, _config.num_threads() // replica.ranks_on_this_machine())
    functions = _blas_threads._thread_functions()
    before = functions[0]() if functions is not None else None
    _blas_threads.set_num_threads(threads)
    try:
        yield
    finally:
        _config.restore_thread_setting(None)
        if functions is not None:
            functions[1](before)


# ------------------------------------------------------------------------------ state
def share_run_state(model, replica):
    """Rank 0's training seed and resume point (`BackupAndRestore` on rank 0 sets them)."""
    seed, resume = replica.collective.broadcast((model._training_seed, model._resume_at))
    model._training_seed, model._resume_at = seed, None if resume is None else tuple(resume)


def share_weights(model, replica):
    """Rank 0's weights (batch norm's statistics too) and optimizer state, on every rank."""
    optimizer = getattr(model, "optimizer", None)
    optimizer_state = optimizer.get_state() if optimizer is not None and optimizer.built else None
    weights, optimizer_state = replica.collective.broadcast((model.get_weights(), optimizer_state))
    if not replica.is_primary:
        model.set_weights(weights)
        if optimizer_state is not None:
            if not optimizer.built:
                optimizer.build(model.trainable_weights)
            optimizer.set_state(optimizer_state)


def begin(model, replica, batch, method, verbose):
    """Before a run's first batch on the ranks: build the model (and its compiled losses)
    from the batch's first row, give every rank rank 0's weights, and decide whether the
    batches are split (`replica.whole` otherwise, said once by rank 0 at verbose >= 1)."""
    reason = why_not_split(model, batch, method)
    share_weights(model, replica)
    reason = replica.collective.broadcast(reason)
    replica.verdicts[method] = reason is not None
    if reason is not None and replica.is_primary and verbose:
        print(f"strided: {method}() computes every batch whole on each of the {replica.size} ranks "
              f"(not data-parallel): {reason}.", flush=True)


# ------------------------------------------------------------------------ the checks
def why_not_split(model, batch, method):
    """Why `method` ("fit", "evaluate", "predict") cannot split this model's batches over
    ranks (a sentence), or None. The first row of `batch` builds the model if needed."""
    x, y, _ = batch
    first = map_structure(lambda a: a[:1], x)
    with no_grad():
        probe = model.predict_on_batch(first)  # builds the model, as the first step would
    if method == "predict":
        return None
    step = "train_step" if method == "fit" else "test_step"
    for name in (step, "compute_loss"):
        if _overridden(model, name):
            return f"the model overrides {name}(), whose shards' results strided cannot combine"
    state = model._compile_state
    if y is not None:
        model._prepare_state(map_structure(lambda a: a[:1], y), probe)
    if method == "fit":
        for layer in model._flatten_layers():
            if layer._losses or getattr(layer, "activity_regularizer", None) is not None:
                return (f"layer '{layer.name}' adds a loss of its own (add_loss or an activity "
                        "regularizer), computed from one shard would not be the batch's")
            if layer.trainable and layer._non_trainable_weights and not _synchronized(layer):
                return (f"layer '{layer.name}' updates its non-trainable weights in training "
                        "from the batch, which only channels-last BatchNormalization "
                        "synchronises over the ranks")
    if y is None or not state.built:
        return None
    targets = state.split_targets(map_structure(lambda a: a[:1], y))
    for name, loss, target, prediction in zip(state.output_names, state.losses, targets, flatten(probe)):
        if loss is None:
            continue
        reduction = getattr(loss, "reduction", None)
        if reduction != "sum_over_batch_size":
            return (f"the loss of output '{name}' has reduction={reduction!r}; only "
                    "'sum_over_batch_size' (the default) averages shards exactly")
        try:
            values = loss.call(target, prediction)
        except Exception as error:  # noqa: BLE001  (the first step will show it as it is)
            return f"the loss of output '{name}' could not be tried on one sample ({error})"
        if np.shape(getattr(values, "data", values))[:1] != (1,):
            return (f"the loss of output '{name}' does not give one value per sample (it reduces "
                    "the batch itself)")
    return None


def _overridden(model, name):
    return getattr(type(model), name).__qualname__ != f"Trainer.{name}"


def _synchronized(layer):
    """A BatchNormalization whose statistics the ranks take together (`kernels.collective`):
    channels-last, with gamma and beta (the fused kernel's path)."""
    rank = len(layer._build_shapes or ())
    return (type(layer) is BatchNormalization and tuple(layer._axes) == (rank - 1,)
            and layer.gamma is not None and layer.beta is not None)


# --------------------------------------------------------------------- generators
class BroadcastBatches:
    """A generator/dataset adapter read on rank 0 only, each batch broadcast to every rank."""

    def __init__(self, adapter, replica):
        self.adapter, self.collective = adapter, replica.collective
        self.primary = replica.is_primary
        self.steps = self.collective.broadcast(adapter.steps)
        self.exhausted = False

    def batches(self):
        if self.primary:
            for batch in self.adapter.batches():
                self.collective.broadcast(("batch", batch))
                yield batch
            self.exhausted = bool(getattr(self.adapter, "exhausted", False))
            self.collective.broadcast(("end", self.exhausted))
            return
        while True:
            kind, value = self.collective.broadcast(None)
            if kind == "end":
                self.exhausted = value
                return
            yield value

    def first_x(self):
        return self.adapter.first_x()


def for_ranks(adapter, replica):
    """The adapter every rank reads the same batches from."""
    if replica is None or type(adapter) is data_adapter.ArrayAdapter:
        return adapter
    return BroadcastBatches(adapter, replica)


__all__ = ["world", "replica_for_run", "rank_callbacks", "rank_threads", "share_run_state", "share_weights", "begin",
           "why_not_split", "BroadcastBatches", "for_ranks", "RANK_ZERO_CALLBACKS"]
