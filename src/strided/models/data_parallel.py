"""Data-parallel training: one process per thread, each computing the gradients of its share of a batch.

Why processes rather than threads: see `models.forked` (Python's GIL).

One step, in every process p (process 0 is the caller, the others are forked from it; n_p of
the batch's n samples are p's):

    g_p = gradient of (n_p / n) * the mean loss on p's share
    publish g_p in shared memory; wait until every share's gradient is there
    for the weights p owns: g = sum_q g_q, optimizer step      (the weights, and their
    wait until every process has updated its weights            optimizer slots, are shared)

With the loss averaged over the batch (Keras' default "sum_over_batch_size"), sum_q g_q is the
gradient of the whole batch's loss, regularization terms included (each share adds them whole,
scaled by n_p / n). Batch norm takes its statistics, and the sums its backward pass needs, over
all the shares together (`kernels.collective`), as one process on the whole batch would: the
training is the same as on one process, to rounding (tested in float64 to 1e-12). Process 0
gathers the other shares' losses and predictions, so the logs' loss and metrics are those of
whole batches, and alone runs the callbacks. The helpers are forked at the start of every epoch
(after `on_epoch_begin`: a new learning rate or restored weights reach them) and exit at its
end; process 0 keeps the model.

Used only where that equality holds: in-memory arrays, one output, losses that give one value
per sample and average them over the batch (Keras' default reduction), no state that training changes but the trainable weights and batch norm's statistics
(channels-last, with gamma and beta), no `add_loss` or activity regularization terms, no
`global_clipnorm`, no callback acting between batches but strided's own, the default
`train_step`, Linux (fork); and where it pays: shares of MIN_SHARE samples, MIN_STEPS steps,
at most MAX_SHARED_BYTES of shared memory. Dropout, noise and augmentation draw each sample's
values from its own key (`strided.utils.keyed_random`): the same masks as on one process.
`strided.set_data_parallel(False)` turns it off; `strided.set_num_threads(n)` sets the number
of processes.

Faults never hang fit: a helper's exception is raised by fit as itself (its type and message,
with a note naming the helper), and a helper silent for `forked.helper_timeout()` seconds
(stopped, deadlocked) is killed and named in a `forked.HelperTimeoutError`.
"""

import contextlib
import os

import numpy as np

from strided import _blas_threads, _config
from strided._subnormals import flushing
from strided.autograd import Tensor
from strided.kernels import collective
from strided.layers.normalization import BatchNormalization
from strided.models import data_adapter, forked
from strided.models.epoch_steps import array_positions, keyed

MIN_SHARE = 8   # samples per process and step, at least (smaller shares: threads)
MIN_STEPS = 8   # steps left in the epoch, at least (a fork costs a few milliseconds)
# Shared memory for an epoch, at most: the weights, their optimizer slots and every process's
# gradients live there besides the weights' own arrays (ResNet-18: 230 MB; VGG16's 138 million
# weights would need 2.8 GB, and train on threads).
MAX_SHARED_BYTES = 1 << 30
_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")
_GO, _STOP = 1, 0

_last_epoch = {"processes": 1, "helper_memory": 0}


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
    if type(train) is not data_adapter.ArrayAdapter or not forked.usable():
        return 1
    processes = min(_config.num_threads(), train.batch_size // MIN_SHARE)
    if (processes < 2 or train.steps < MIN_STEPS + 1
            or not isinstance(train.x, np.ndarray) or not isinstance(train.y, np.ndarray)):
        return 1
    if not forked.uses_trainer_steps(model, "train_step", "compute_loss"):
        return 1
    if getattr(model.optimizer, "global_clipnorm", None) is not None:  # needs every gradient at once
        return 1
    if not forked.read_only_between_batches(getattr(callback_list, "callbacks", []), _BATCH_HOOKS):
        return 1
    return processes


def train_epoch(model, train, callback_list, processes, epoch=0, first_step=0):
    """One epoch of `fit` (from step `first_step`: a resumed run) on `processes` processes;
    returns the last step's logs.

    The first step runs here alone when the model, its optimizer or its metrics are not built
    yet (they are then built once, in this process); so does every step when that step shows
    the model to be one whose training the shares would change (`_shares_are_exact`).
    """
    seed = model._training_seed
    plan = train.epoch_plan(seed=seed, epoch=epoch)
    logs, step = {}, first_step

    def here(steps):  # in this process alone
        return ((s, array_positions(train, s, train.batch_length(plan[s])), train.take(plan[s])) for s in steps)

    if not _ready(model) and model.optimizer.built:
        _build_metrics(model, train)  # a resumed run (BackupAndRestore built the optimizer)
    if not _ready(model) and step < len(plan):
        logs = model._train_epoch(callback_list, here([step]), epoch)
        step += 1
    if model.stop_training:
        return logs
    probe = None  # the first sample's predictions: the outputs' shape and dtype, and a loss probe
    # (the epoch's length decides, not the steps left: a resumed epoch trains as the whole did)
    if (_shares_are_exact(model) and step < len(plan)
            and _shared_bytes(model, processes) <= MAX_SHARED_BYTES):
        probe = _first_predictions(model, train)
    if probe is None or not _losses_per_sample(model, train, probe):
        _last_epoch["processes"] = 1
        return model._train_epoch(callback_list, here(range(step, len(plan))), epoch) or logs
    return _Epoch(model, train, plan[step:], step, processes, probe, epoch).run(callback_list) or logs


def _ready(model):
    state = model._compile_state
    return bool(state is not None and state.built and model.optimizer.built)


def _build_metrics(model, train):
    """Build the compiled losses and metrics from the first sample's predictions, as the first
    step of an uninterrupted run built them: a resumed epoch then trains every step on the
    processes, as that run did (a step alone here would round differently)."""
    probe = _first_predictions(model, train)
    if probe is not None:
        with contextlib.suppress(Exception):
            model._prepare_state(train.y[:1], probe)


def _shares_are_exact(model):
    """Whether averaging the shares' gradients is the whole batch's gradient (see the module)."""
    state = model._compile_state
    if len(state.output_names) != 1 or state.output_loss_trackers:
        return False
    if any(loss is not None and getattr(loss, "reduction", None) != "sum_over_batch_size"
           for loss in state.losses):
        return False
    for layer in model._flatten_layers():
        if layer._losses or getattr(layer, "activity_regularizer", None) is not None:
            return False
        if layer.trainable and layer._non_trainable_weights and not _synchronized(layer):
            return False  # statistics updated by training, each process from its own share
    return True


def _first_predictions(model, train):
    """The model's predictions for the first sample, or None if it cannot make them (then the
    epoch trains on threads, where the error, if any, shows as it would)."""
    try:
        return model.predict_on_batch(train.x[:1])
    except Exception:  # noqa: BLE001
        return None


def _losses_per_sample(model, train, probe):
    """Whether every compiled loss gives one value per sample, which its reduction then averages
    (a loss function that sums or averages the batch itself gives one number: its shares'
    gradients would not add up to the batch's). Tried on the first sample, whose predictions
    are `probe`."""
    try:
        for loss in model._compile_state.losses:
            if loss is not None:
                values = loss.call(train.y[:1], probe)
                if np.shape(getattr(values, "data", values))[:1] != (1,):
                    return False
    except Exception:  # noqa: BLE001  (whatever the reason, train on threads)
        return False
    return True


def _shared_bytes(model, processes):
    """The shared memory an `_Epoch` would map: weights, slots and each process's gradients."""
    sizes = [v.data.nbytes for v in model._step_variables()]
    return sum(sizes) * (1 + len(model.optimizer.slot_names) + processes)


def _synchronized(layer):
    """A BatchNormalization whose statistics the processes take together (`kernels.collective`):
    channels-last, with gamma and beta (the fused kernel's path)."""
    rank = len(layer._build_shapes or ())
    return (type(layer) is BatchNormalization and tuple(layer._axes) == (rank - 1,)
            and layer.gamma is not None and layer.beta is not None)


def _shares(n, processes):
    """[(start, stop)] of each process's rows of an n-sample batch (the first ones longest)."""
    size = -(-n // processes)
    return [(min(p * size, n), min((p + 1) * size, n)) for p in range(processes)]


def _rows(index, start, stop):
    """Rows start:stop of the batch `index`, as an index of the same kind."""
    if isinstance(index, slice):
        return slice(index.start + start, index.start + stop)
    return index[start:stop]


class _Stopped(Exception):
    """Raised in a helper that process 0 told to stop."""


class _Epoch:
    """The shared memory, semaphores and processes of one data-parallel epoch.

    The trainable weights and their optimizer slots move into the shared mapping for the epoch
    (and back afterwards), and each is updated by one process, its owner (`_owners`: shares of
    about equal size). A step in process p:

        forward and backward on its rows; its gradients for the others' weights published
        exchange                                   -> every gradient is there
        for its own weights: g = sum of the shares' gradients; optimizer.apply
        exchange                                   -> every weight is updated

    An exchange: each helper posts its `ready` semaphore and waits for its `go`; process 0 waits
    for every `ready`, then posts every `go`. Losses and predictions alternate between two slots
    (step s writes slot s % 2): process 0 reads step s's while a helper computes step s + 1.
    """

    def __init__(self, model, train, plan, first_step, processes, probe, epoch):
        import multiprocessing

        self.model, self.train, self.plan, self.first_step = model, train, plan, first_step
        self.epoch, self.seed = epoch, model._training_seed
        self.processes = processes
        self.variables = model._step_variables()
        self.optimizer = model.optimizer
        self.owners = _owners([v.data.size for v in self.variables], processes)
        self.slots = [(slots, name) for v in self.variables
                      for slots in [self.optimizer._slots[self.optimizer._slot_position(v)]] for name in slots]
        share = -(-train.batch_size // processes)
        out_shape, out_dtype = tuple(probe.shape[1:]), probe.dtype
        specs = [((processes, *v.data.shape), v.data.dtype) for v in self.variables]  # gradients
        specs += [(v.data.shape, v.data.dtype) for v in self.variables]                # weights
        specs += [(slots[name].shape, slots[name].dtype) for slots, name in self.slots]
        specs += [((2, processes), np.float64), ((2, processes, share, *out_shape), out_dtype),
                  ((2, processes, _gather_size(model)), np.float64),
                  ((1,), np.int64), ((processes,), np.int64), ((processes, forked.ERROR_BYTES), np.uint8)]
        arrays = forked.Shared(specs).arrays
        count = len(self.variables)
        self.grads, self.weights = arrays[:count], arrays[count:2 * count]
        self.slot_copies = arrays[2 * count:2 * count + len(self.slots)]
        (self.losses, self.predictions, self.gathered,
         self.verdict, self.private, self.errors) = arrays[2 * count + len(self.slots):]
        context = multiprocessing.get_context("fork")
        self.ready = [context.Semaphore(0) for _ in range(processes)]  # helper p -> process 0
        self.go = [context.Semaphore(0) for _ in range(processes)]     # process 0 -> helper p
        self.pids = []
        self.parent = os.getpid()

    # ------------------------------------------------------------------ process 0
    def run(self, callback_list):
        logs = {}
        with _blas_threads.one_thread(), self._state_shared():
            try:
                self._fork_helpers()
                for step, index in enumerate(self.plan):
                    callback_list.on_train_batch_begin(self.first_step + step)
                    with flushing():
                        logs = self._lead_step(step, index)
                    callback_list.on_train_batch_end(self.first_step + step, logs)
                    if self.model.stop_training:
                        break
            finally:
                self._end_helpers()
        _last_epoch["helper_memory"] = int(self.private[1:].sum())
        return logs

    @contextlib.contextmanager
    def _state_shared(self):
        """The weights and optimizer slots in the shared mapping for the block, then back in
        their own arrays (which other objects may hold) with the values they reached."""
        moved = []
        for variable, shared in zip(self.variables, self.weights):
            moved.append((lambda array, variable=variable: setattr(variable, "data", array), variable.data, shared))
        for (slots, name), shared in zip(self.slots, self.slot_copies):
            moved.append((lambda array, slots=slots, name=name: slots.__setitem__(name, array), slots[name], shared))
        for place, original, shared in moved:
            np.copyto(shared, original)
            place(shared)
        try:
            yield
        finally:
            for place, original, shared in moved:
                np.copyto(original, shared)
                place(original)

    def _fork_helpers(self):
        for p in range(1, self.processes):
            self.pids.append(forked.fork_helper(lambda p=p: self._helper(p), self.errors[p], (_Stopped,)))

    def _lead_step(self, step, index):
        """Process 0's step; returns the whole batch's logs."""
        slot = step % 2
        n = self.train.batch_length(index)
        shares = _shares(n, self.processes)
        y_pred = self._step(0, step, index, shares)
        total = sum((b - a) / n * self.losses[slot, p] for p, (a, b) in enumerate(shares))
        predictions = [y_pred] + [self.predictions[slot, p, : b - a] for p, (a, b) in enumerate(shares) if p]
        weights = self.train.sample_weight
        state = self.model._compile_state
        state.last_output_losses = []
        state.update(Tensor(np.float32(total)), self.train.y[index], np.concatenate(predictions),
                     None if weights is None else weights[index], n)
        return state.results()

    def _wait(self, p):
        """Acquire helper p's `ready`; raise its error, or if it died or does not answer
        (`forked.helper_timeout()`)."""
        pid = self.pids[p - 1]
        got = forked.acquire(self.ready[p], lambda: forked.child_alive(pid))
        if got is None:
            self.pids[p - 1] = None
            raise forked.stalled("data-parallel training", p, pid)
        error = forked.helper_error(self.errors[p], f"data-parallel helper process {p} (pid {pid})")
        if error is not None:
            raise error
        if not got:
            self.pids[p - 1] = None
            raise RuntimeError(f"data-parallel training: helper process {p} (pid {pid}) ended "
                               "unexpectedly (killed?) without reporting an error.")

    def _end_helpers(self):
        self.verdict[0] = _STOP  # a helper waiting for a `go` (now or at its next exchange) stops
        for p in range(1, self.processes):
            self.go[p].release()
        for pid in self.pids:
            if pid is not None:  # one that does not end in time is killed
                forked.end(pid, forked.helper_timeout())

    # ------------------------------------------------------------------ every process
    def _exchange(self, p):
        """Wait until every process has written its part of the shared arrays (see the class)."""
        if p == 0:
            for helper in range(1, self.processes):
                self._wait(helper)
            self.verdict[0] = _GO
            for helper in range(1, self.processes):
                self.go[helper].release()
            return
        self.ready[p].release()
        # (waiting twice as long as process 0 does for a helper: process 0 reports first)
        parent_alive = lambda: os.getppid() == self.parent  # noqa: E731
        if not forked.acquire(self.go[p], parent_alive, 2 * forked.helper_timeout()) or self.verdict[0] == _STOP:
            raise _Stopped

    def _step(self, p, step, index, shares):
        """Process p's part of step `step` of the plan (see the class): its loss and predictions
        into slot step % 2 (a helper's) for process 0's logs; returns its predictions."""
        slot = step % 2
        start, stop = shares[p]
        loss, y_pred, own = 0.0, None, {}
        if stop > start:
            loss, y_pred, grads = self._share_gradients(step, index, shares, p)
            if p:
                self.predictions[slot, p, : stop - start] = y_pred
            for i, grad in enumerate(grads):
                if self.owners[i] == p:
                    own[i] = grad
                elif grad is None:
                    self.grads[i][p].fill(0)
                else:
                    np.copyto(self.grads[i][p], grad)
        self.losses[slot, p] = loss
        self._exchange(p)
        self._update(p, shares, own)
        self._exchange(p)
        return y_pred

    def _share_gradients(self, step, index, shares, p):
        """Forward and backward on process p's rows of the batch `index`, step `step` of the
        plan (random draws keyed by the rows' places in the epoch: the same as on one process).
        Returns (loss as a float, predictions as an array, the gradients)."""
        start, stop = shares[p]
        x, y, weights = self.train.take(_rows(index, start, stop))
        model = self.model
        step += self.first_step
        positions = array_positions(self.train, step, self.train.batch_length(index))[start:stop]
        group = _Group(self, p) if all(b > a for a, b in shares) else None  # else process 0 alone
        with (collective.joined(group) if group else contextlib.nullcontext(),
              keyed(self.seed, self.epoch, step, positions)):
            y_pred = model(x, training=True)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=weights)
            for variable in self.variables:
                variable.grad = None
            # The share's part of the whole batch's mean loss: gradients that add up (`_update`)
            share = (stop - start) / shares[-1][1]
            (loss * share if share != 1 else loss).backward()
        grads = [variable.grad for variable in self.variables]
        for variable in self.variables:
            variable.grad = None
        return float(loss.data), y_pred.data, grads

    def _update(self, p, shares, own):
        """For the weights process p owns: g = the sum of every share's gradient, then the
        optimizer step. Each share's gradient is that of (n_p / n) * its mean loss, so the sum is
        the whole batch's gradient (batch norm's backward sums, `kernels.collective`, add the same
        scaled terms, as one process on the whole batch would). A weight without gradient (no
        path from the loss to it: the same in every share) is left alone, as `Optimizer.apply`
        leaves it."""
        mine = shares[p][1] > shares[p][0]
        variables, grads = [], []
        for i, variable in enumerate(self.variables):
            if self.owners[i] != p or (mine and own.get(i) is None):
                continue
            # in process order, whoever owns the weight: the same sum in every run
            parts = [own[i] if q == p else self.grads[i][q] for q, (a, b) in enumerate(shares) if b > a]
            total = parts[0].copy()
            for part in parts[1:]:
                total += part
            variables.append(variable)
            grads.append(total)
        if variables:
            self.optimizer.apply(grads, variables)
        else:
            self.optimizer.iterations += 1  # as its partners' optimizers count
        for variable in variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                constrained = constraint(variable.data)
                variable.assign(getattr(constrained, "data", constrained))

    # ------------------------------------------------------------------ helper p
    def _helper(self, p):
        """A forked helper: its share of every step, until the plan ends or process 0 stops it.
        An error ends it (`forked.fork_helper` writes it down); process 0 is told by `ready`."""
        try:
            forked.own_random_streams(self.model, p)
            try:
                for step, index in enumerate(self.plan):
                    shares = _shares(self.train.batch_length(index), self.processes)
                    with flushing():
                        self._step(p, step, index, shares)
            finally:  # also when stopped: process 0's stop can overtake the last step's `go`
                self.private[p] = forked.private_bytes()
        except _Stopped:
            raise
        except BaseException:
            forked.write_error(self.errors[p])  # before process 0 is woken to read it
            self.ready[p].release()
            raise


def _owners(sizes, processes):
    """The process that updates each weight: the largest first, each to the least loaded."""
    loads, owners = [0] * processes, [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        owners[i] = loads.index(min(loads))
        loads[owners[i]] += sizes[i]
    return owners


class _Group:
    """Process p's membership of the epoch's processes for `kernels.collective` (batch norm)."""

    def __init__(self, epoch, p):
        self.epoch, self.p, self.calls = epoch, p, 0

    def all_gather(self, vector):
        area = self.epoch.gathered[self.calls % 2]  # alternating: see `_Epoch`
        self.calls += 1
        if len(vector) > area.shape[1]:
            raise RuntimeError(f"data-parallel training: {len(vector)} values to gather, room for {area.shape[1]}")
        area[self.p, : len(vector)] = vector
        self.epoch._exchange(self.p)
        return area[:, : len(vector)].copy()


def _gather_size(model):
    """Room for the longest vector a kernel gathers: batch norm's 1 + 2 C statistics."""
    channels = [layer.gamma.data.size for layer in model._flatten_layers() if isinstance(layer, BatchNormalization)]
    return 1 + 2 * max(channels, default=0)


