"""Data-parallel fit on one machine without a launcher, when asked: forked processes, one per
thread (`strided.set_data_parallel(True)`; by default fit trains in the calling process, and
`mpiexec -n N` trains on N ranks: forked processes were not measurably faster than MPI's ranks
on one machine, docs/distributed.md).

Why processes rather than threads: see `models.forked` (Python's GIL). This is one backend of
the one data-parallel trainer: the processes are the ranks of a `ForkedGroup`
(`models.forked_collective`, the collective interface in shared memory), and each runs the
trainer's own step, `Trainer.train_step`, on its shard of every batch (`models.replica`: the
shard's part of the loss, gradients summed along the ranks' tree, the same optimizer update in
every process, batch norm's statistics over every shard, the whole batch's metrics). Under
`mpiexec` the ranks are MPI's instead (`strided.distributed`), and this backend is not used.

The helpers are forked at the start of every epoch (after `on_epoch_begin`: a new learning rate
or restored weights reach them) and exit at its end; process 0 keeps the model and alone runs
the callbacks, so a callback acting between batches (other than strided's own, which only read
the model, write files or stop the run) keeps the epoch in one process: a change it made to
process 0's model would not reach the helpers' copies.

Used where the shards' results add up to the whole batch's (`distributed_loop.why_not_split`:
one value per sample averaged over the batch, no `add_loss` term, no statistics updated in
training but channels-last batch norm's, the default `train_step`), for in-memory arrays, on
Linux (fork); and where it pays: shares of MIN_SHARE samples that do not cut the batch's leaves
(`replica.exactly_splittable`), MIN_STEPS steps, at most
MAX_SHARED_BYTES of shared memory. `strided.set_num_threads(n)` sets the number of processes. When the model is why it cannot,
fit says so once (verbose >= 1).

Faults never hang fit: a helper's exception is raised by fit as itself (its type and message,
with a note naming the helper), and a helper silent for `forked.helper_timeout()` seconds
(stopped, deadlocked) is killed and named in a `forked.HelperTimeoutError`.
"""

import contextlib

import numpy as np

from strided import _blas_threads
from strided._subnormals import flushing
from strided.layers.keras_tensor import flatten
from strided.layers.normalization import BatchNormalization
from strided.models import data_adapter, distributed_loop, forked
from strided.models.epoch_steps import array_positions, keyed
from strided.models.forked_collective import ForkedGroup
from strided.models.replica import BUCKET_ELEMENTS, Replica, exactly_splittable

MIN_SHARE = 8   # samples per process and step, at least (smaller shares: threads)
MIN_STEPS = 8   # steps left in the epoch, at least (a fork costs a few milliseconds)
# Shared memory for an epoch's exchanges, at most (two areas per process, each the largest
# bucket of gradients or share of predictions).
MAX_SHARED_BYTES = 1 << 30
_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")

_last_epoch = {"processes": 1, "helper_memory": 0}
_said = set()  # reasons already printed (once per process)


def choose_processes(model, train, callback_list):
    """How many processes will train this epoch of fit (1: this one, on threads as usual)."""
    processes = _processes_for(model, train, callback_list)
    _last_epoch.update(processes=processes, helper_memory=0)
    return processes


def last_epoch():
    """{"processes": how many trained fit's last epoch, "helper_memory": the helpers' private
    resident memory at their end, in bytes (what they added to this process's own)}."""
    return dict(_last_epoch)


def _processes_for(model, train, callback_list):
    from strided import _config

    if type(train) is not data_adapter.ArrayAdapter or not forked.usable():
        return 1
    processes = min(_config.num_threads(), train.batch_size // MIN_SHARE)
    while processes >= 2 and not exactly_splittable(train.batch_size, processes):
        processes -= 1  # shares that would cut the batch's leaves: each would compute it whole
    if (processes < 2 or train.steps < MIN_STEPS + 1
            or not isinstance(train.x, np.ndarray) or not isinstance(train.y, np.ndarray)):
        return 1
    if not forked.read_only_between_batches(getattr(callback_list, "callbacks", []), _BATCH_HOOKS):
        _say(callback_list, "a callback acts between batches (its changes would reach only one "
                            "of the processes)")
        return 1
    return processes


def _say(callback_list, reason):
    """Print why fit trains in one process, once per reason, at verbose >= 1."""
    if reason not in _said and getattr(callback_list, "params", {}).get("verbose", 1):
        _said.add(reason)
        print(f"strided: fit() trains in one process (on threads), not on forked processes: {reason}.",
              flush=True)


def train_epoch(model, train, callback_list, processes, epoch=0, first_step=0):
    """One epoch of `fit` (from step `first_step`: a resumed run) on `processes` processes;
    returns the last step's logs.

    The first step runs here alone when the model, its optimizer or its metrics are not built
    yet (they are then built once, in this process, before the fork).
    """
    plan = train.epoch_plan(seed=model._training_seed, epoch=epoch)
    logs, step = {}, first_step

    def steps(numbers):
        return ((s, array_positions(train, s, train.batch_length(plan[s])), train.take(plan[s])) for s in numbers)

    first = train.take(plan[0]) if plan else None
    if not _ready(model) and model.optimizer.built and first is not None:
        _build_metrics(model, first)  # a resumed run (BackupAndRestore built the optimizer)
    if not _ready(model) and step < len(plan):
        logs = model._train_epoch(callback_list, steps([step]), epoch)
        step += 1
    if model.stop_training or step >= len(plan):
        return logs
    reason = distributed_loop.why_not_split(model, first, "fit")
    capacity = _capacity(model, train, processes, first)
    if reason is None and 2 * processes * capacity > MAX_SHARED_BYTES:
        reason = f"its exchanges would need more shared memory than {MAX_SHARED_BYTES} bytes"
    if reason is not None:
        _say(callback_list, reason)
        _last_epoch["processes"] = 1
        return model._train_epoch(callback_list, steps(range(step, len(plan))), epoch) or logs
    group = ForkedGroup(processes, capacity)
    numbers = range(step, len(plan))

    def helper(p):
        forked.own_random_streams(model, p)
        with _as_rank(model, group.member(p)), flushing():
            for number, positions, batch in steps(numbers):
                with (model._shard(batch, positions, "fit") as (part, part_positions),
                      keyed(model._training_seed, epoch, number, part_positions)):
                    model.train_step(part)

    with _blas_threads.one_thread():
        try:
            group.fork(helper)
            with _as_rank(model, group.member(0)):
                logs = model._train_epoch(callback_list, steps(numbers), epoch) or logs
        finally:
            group.close()
    _last_epoch["helper_memory"] = group.helper_memory()
    return logs


@contextlib.contextmanager
def _as_rank(model, member):
    """The block trains `model` as rank `member.rank` of the forked processes."""
    replica = Replica(member)
    replica.verdicts = {"fit": False}  # decided before the fork: split
    replica.runs_loop = False  # process 0 alone runs the callbacks, and stops the helpers
    model.__dict__["_replica"] = replica
    try:
        yield
    finally:
        model.__dict__.pop("_replica", None)


def _ready(model):
    state = model._compile_state
    return bool(state is not None and state.built and model.optimizer.built)


def _build_metrics(model, batch):
    """Build the compiled losses and metrics from the first sample's predictions, as the first
    step of an uninterrupted run built them."""
    x, y, _ = batch
    with contextlib.suppress(Exception):
        model._prepare_state(y[:1], model.predict_on_batch(x[:1]))


def _capacity(model, train, processes, batch):
    """Bytes a process exchanges at once, at most: a bucket of gradients, its share of a batch's
    predictions (each output), batch norm's statistics, or the losses."""
    sizes = [v.data.nbytes for v in model._step_variables()]
    itemsize = max((v.data.itemsize for v in model._step_variables()), default=8)
    largest = max([min(sum(sizes), BUCKET_ELEMENTS * itemsize)] + sizes, default=0)
    share = -(-train.batch_size // processes)
    outputs = flatten(model.predict_on_batch(batch[0][:1]))
    largest = max([largest] + [share * np.asarray(o).nbytes for o in outputs])
    channels = [layer.gamma.data.size for layer in model._flatten_layers()
                if isinstance(layer, BatchNormalization) and layer.gamma is not None]
    return max(largest, 8 * (1 + 2 * max(channels, default=0)), 8 * (2 + len(outputs)), 4096)


__all__ = ["choose_processes", "last_epoch", "train_epoch", "MIN_SHARE", "MIN_STEPS", "MAX_SHARED_BYTES"]
