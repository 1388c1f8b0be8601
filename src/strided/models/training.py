"""compile / fit / evaluate / predict and the `*_on_batch` methods (Keras' `Trainer`).

One training step is five lines, the same for every model:

    y_pred = model(x, training=True)                # forward, recording the tape
    loss = loss_fn(y, y_pred) + sum(model.losses)   # a scalar Tensor
    loss.backward()                                 # gradients into each Variable's .grad
    optimizer.apply([v.grad for v in variables], variables)   # in-place update
    clear the gradients                             # the tape was freed by backward()

Everything else here is bookkeeping: batching (data_adapter.py), callbacks and progress
bar (strided.callbacks), running metrics (compile_utils.py) and Keras' return values.

On several ranks (`mpiexec -n N`, `strided.distributed`) the same step runs on every rank, each
on its shard of the global batch; a `models.replica.Replica` adds the exchanges to it: the
shard's share of the loss, the gradients summed over the ranks, and the whole batch's metrics.
Without a launcher fit, evaluate and predict run in the calling process, its kernels on
threads (`strided.set_num_threads`); strided starts no process of its own (two processes on one
machine: `mpiexec -n 2 python train.py`, docs/distributed.md).
"""

import contextlib

import numpy as np

from strided import runtime
from strided._subnormals import flushing
from strided.autograd import no_grad
from strided.kernels import collective as kernel_collective
from strided.layers.keras_tensor import flatten, pack_like
from strided.metrics.base import Metric
from strided.models import data_adapter, distributed_loop
from strided.models.compile_utils import CompileState, log_value
from strided.models.epoch_steps import epoch_steps, keyed
from strided.models.input_shapes import describe_shape_mismatch
from strided.utils import random as strided_random


class Trainer:
    """Mixin giving `Model` its training API."""

    def _init_training_state(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self.loss = None
        self._compile_state = None
        self._compile_config = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, loss and metrics for training.

        Args:
            optimizer: name ("adam", "rmsprop", "sgd", ...) or an Optimizer.
            loss: name ("sparse_categorical_crossentropy", "mse", ...), a Loss, a function
                `fn(y_true, y_pred)`, or a list/dict with one per output.
            loss_weights: list/dict of floats weighting each output's loss.
            metrics: list of names ("accuracy", ...) or Metric objects (list of lists or a
                dict for several outputs). `weighted_metrics` also use sample weights.

        Example:
            >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
            ...               metrics=["accuracy"])
        """
        from strided import optimizers

        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        self._compile_state = CompileState(loss, loss_weights, metrics, weighted_metrics)
        self._compile_config = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self.compiled = True
        self.stop_training = False

    def _require_compiled(self, method):
        if not self.compiled:
            raise RuntimeError(
                f"You must call compile() before using the model in {method}(), e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy'])."
            )

    @property
    def metrics(self):
        """The running Metric objects: the loss tracker first, then the compiled metrics, then
        the metrics the model and its layers hold as attributes (a subclassed model's own
        trackers, as Keras lists them)."""
        compiled = self._compile_state.all_metrics() if self._compile_state else []
        return compiled + self._tracked_metrics()

    def _tracked_metrics(self):
        """Metric objects held as attributes (or in lists/tuples) of the model and its layers;
        found once per epoch or evaluation (`reset_metrics`), not at every step."""
        found = self.__dict__.get("_tracked_metric_cache")
        if found is None:
            found, seen = [], set()
            for layer in self._flatten_layers():
                for value in vars(layer).values():
                    for item in value if isinstance(value, (list, tuple)) else (value,):
                        if isinstance(item, Metric) and id(item) not in seen:
                            seen.add(id(item))
                            found.append(item)
            self.__dict__["_tracked_metric_cache"] = found
        return found

    def get_metrics_result(self):
        """The logs of the running metrics: the compiled ones (Keras 3's order), then the
        model's own trackers, by name (Keras' `Model.get_metrics_result`)."""
        logs = self._compile_state.results() if self._compile_state else {}
        for metric in self._tracked_metrics():
            logs[metric.name] = log_value(metric.result())
        return logs

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        if self._compile_state is not None:
            self._compile_state.reset()
        self.__dict__["_tracked_metric_cache"] = None  # layers may have changed since
        for metric in self._tracked_metrics():
            metric.reset_state()

    # -------------------------------------------------------------- the steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss: the compiled losses plus the layers' regularization terms (`losses`)."""
        state = self._compile_state
        total = state.compute_loss(y, y_pred, sample_weight)
        for extra in self._step_losses():
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(
                "No loss to compute: give compile() a `loss` (e.g. loss='sparse_categorical_crossentropy')."
            )
        return total

    # What every step needs from the model's structure, gathered once per epoch of fit()
    # instead of walking the layer tree at every step (it changes only if `trainable` does).
    _step_structure = None

    def _cache_step_structure(self):
        """Gather the structure for the coming steps; a model not built yet (a subclassed one
        before its first call) has no weights to gather: its steps then read them directly
        until the first step has built it (`_train_epoch`)."""
        self._step_structure = _StepStructure(self) if self.built else None

    def _step_variables(self):
        return self.trainable_weights if self._step_structure is None else self._step_structure.variables

    def _step_losses(self):
        """`self.losses`, from the cached structure during fit()."""
        added, regularization = self._step_loss_parts()
        return added + regularization

    def _step_loss_parts(self):
        """(the losses layers added in this call (`add_loss`), the weights' regularization terms)."""
        if self._step_structure is None:
            layers = self._flatten_layers(include_self=True, recursive=True)
            regularized = [(v, v.regularizer) for v in self.trainable_weights
                           if getattr(v, "regularizer", None) is not None]
        else:
            layers, regularized = self._step_structure.layers, self._step_structure.regularized
        added = [loss for layer in layers for loss in layer._losses]
        return added, [regularizer(variable) for variable, regularizer in regularized]

    def _shard_losses(self, y, y_pred, sample_weight):
        """On a rank's shard: (the shard's part of the batch's loss, the regularization terms),
        the first with the added losses weighted by the shard's share of the batch."""
        data_loss = self._compile_state.compute_loss(y, y_pred, sample_weight)
        added, regularization = self._step_loss_parts()
        if added:
            rows, whole = kernel_collective.batch_share()
            for term in added:
                term = term * (rows / whole)
                data_loss = term if data_loss is None else data_loss + term
        return data_loss, regularization

    def _prepare_state(self, y, y_pred):
        if not self._compile_state.built:
            self._compile_state.build(y, y_pred, self.output_names)

    def train_step(self, data):
        """One optimization step on a batch `(x, y, sample_weight)`; returns the running logs."""
        x, y, sample_weight = data
        y_pred = self(x, training=True)
        self._prepare_state(y, y_pred)
        replica = self.__dict__.get("_replica")  # one rank of several, or None
        if replica is not None and replica.splitting:
            return self._train_shard(replica, x, y, y_pred, sample_weight)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        variables = self._step_variables()
        for variable in variables:
            variable.grad = None
        if variables and loss.requires_grad:
            loss.backward()
            self.optimizer.apply([v.grad for v in variables], variables)
            self._apply_constraints(variables)
        self._update_metrics(loss, y, y_pred, sample_weight, x)
        return self.get_metrics_result()

    def _train_shard(self, replica, x, y, y_pred, sample_weight):
        """`train_step` on this rank's shard of a batch the ranks share (`models.replica`): the
        gradients of the shard's part of the loss (its sum over the whole batch's count),
        summed over the ranks, then those of the regularization terms added once -- as one
        process adds its two parts of each weight's gradient."""
        data_loss, extras = self._shard_losses(y, y_pred, sample_weight)
        variables = self._step_variables()
        for variable in variables:
            variable.grad = None
        if variables and data_loss is not None and data_loss.requires_grad:
            grads = replica.backward_and_sum(data_loss, variables)
            if extras:
                for variable in variables:
                    variable.grad = None
                extra = extras[0]
                for term in extras[1:]:
                    extra = extra + term
                if extra.requires_grad:
                    extra.backward()
                grads = [g if v.grad is None else v.grad if g is None else g + v.grad
                         for g, v in zip(grads, variables)]
            self.optimizer.apply(grads, variables)
            self._apply_constraints(variables)
        extra_value = None
        if extras:
            extra_value = sum(float(np.asarray(getattr(e, "data", e))) for e in extras)
        replica.update_metrics(self._compile_state, data_loss, y, y_pred, sample_weight, _batch_size(x),
                               extra=extra_value)
        return self.get_metrics_result()

    @staticmethod
    def _apply_constraints(variables):
        """Forget the step's gradients and project each constrained variable (Keras' order)."""
        for variable in variables:
            variable.grad = None
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                constrained = constraint(variable.data)
                variable.assign(getattr(constrained, "data", constrained))

    def test_step(self, data):
        """Loss and metrics of a batch, without training; returns the running logs."""
        x, y, sample_weight = data
        replica = self.__dict__.get("_replica")
        with no_grad():
            y_pred = self(x, training=False)
            self._prepare_state(y, y_pred)
            if replica is not None and replica.splitting:  # the shard's part, the extras once
                loss, extras = self._shard_losses(y, y_pred, sample_weight)
                extras = [float(np.asarray(getattr(e, "data", e))) for e in extras]
                replica.update_metrics(self._compile_state, loss, y, y_pred, sample_weight, _batch_size(x),
                                       extra=sum(extras) if extras else None)
                return self.get_metrics_result()
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=False) if self._has_loss(y) else None
        self._update_metrics(loss, y, y_pred, sample_weight, x)
        return self.get_metrics_result()

    def _update_metrics(self, loss, y, y_pred, sample_weight, x):
        """The running loss and metrics, with this batch (on several ranks: the whole global
        batch, every rank's shard gathered)."""
        replica = self.__dict__.get("_replica")
        if replica is None:
            self._compile_state.update(loss, y, y_pred, sample_weight, _batch_size(x))
        else:
            replica.update_metrics(self._compile_state, loss, y, y_pred, sample_weight, _batch_size(x))

    def _shard(self, batch, positions, method):
        """Context: (the part of `batch` this process computes, its positions): the whole batch
        on one process, this rank's shard on several (see `models.replica`)."""
        replica = self.__dict__.get("_replica")
        if replica is None:
            return contextlib.nullcontext((batch, positions))
        if method not in replica.verdicts:
            distributed_loop.begin(self, replica, batch, method, replica.verbose)
        return replica.sharded(batch, positions, whole=replica.verdicts[method])

    def _has_loss(self, y):
        if type(self).compute_loss is not Trainer.compute_loss:
            return True  # a subclass computes its own loss, as Keras calls it in evaluate()
        return y is not None and any(loss is not None for loss in self._compile_state.losses) or bool(self.losses)

    def predict_step(self, data):
        """The model's outputs for a batch, in inference mode (no tape recorded)."""
        x = data[0] if isinstance(data, tuple) else data
        with no_grad():
            return self(x, training=False)

    # ------------------------------------------------------------------- loops
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` passes over the data; returns a `History` (`.history` dict).

        Args:
            x, y: arrays (or lists/dicts of arrays), or `x` a generator/iterator/dataset
                yielding (x, y) batches (then `y` must be None).
            batch_size: samples per step (default 32; ignored for generators).
            epochs: index of the last epoch; training starts at `initial_epoch`.
            verbose: "auto"/1 progress bar, 2 one line per epoch, 0 silent.
            callbacks: list of `Callback`s (EarlyStopping, ModelCheckpoint, ...).
            validation_split: fraction of the arrays (their end, before shuffling) held out.
            validation_data: (x_val, y_val[, sample_weight]) or a generator of batches.
            shuffle: reshuffle the arrays every epoch (True, False or "batch").
            class_weight: {class index: weight} multiplying each sample's loss.
            sample_weight: per-sample loss weights.
            steps_per_epoch: batches per epoch for generators (default len(x) if known).
            validation_steps, validation_batch_size, validation_freq: as Keras.

        Logs have "loss", the metrics ("accuracy"), and "val_loss", "val_accuracy"...
        """
        self._require_compiled("fit")
        verbose = _verbosity(verbose)
        replica = distributed_loop.replica_for_run()  # one rank of several (mpiexec), or None
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.split_for_validation(
                x, y, sample_weight, validation_split)
        train = data_adapter.make_adapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                                          class_weight, method="fit")
        self._check_inputs(train, "fit")
        train = distributed_loop.for_ranks(train, replica)
        validation = None
        if validation_data is not None:
            validation = distributed_loop.for_ranks(
                self._validation_adapter(validation_data, validation_batch_size or batch_size,
                                         validation_steps), replica)
        callback_list = self._callback_list(distributed_loop.rank_callbacks(callbacks, replica),
                                            _rank_verbosity(verbose, replica), epochs, train.steps,
                                            add_history=True)
        self.stop_training = False
        # The run's seed for its shuffling and per-sample randomness (models.epoch_steps);
        # BackupAndRestore may replace it, and the start, in on_train_begin.
        self._training_seed = strided_random.new_training_seed()
        self._resume_at = None
        with self._as_replica(replica, verbose):
            with runtime.speed_settings():  # malloc and BLAS settings for this call only
                epoch_logs = self._fit_epochs(train, validation, callback_list, epochs, initial_epoch,
                                              validation_freq)
            callback_list.on_train_end(logs=epoch_logs)
        history = _find_history(callback_list)
        if history is not None:
            self.history = history
        return self.history

    def _fit_epochs(self, train, validation, callback_list, epochs, initial_epoch,
                    validation_freq):
        """fit's epochs, from on_train_begin to the last epoch's end; returns its logs."""
        callback_list.on_train_begin()
        replica = self.__dict__.get("_replica")
        if replica is not None:  # rank 0's seed and resume point (BackupAndRestore: rank 0's)
            distributed_loop.share_run_state(self, replica)
        start_epoch, first_step = self._resume_at or (initial_epoch, 0)
        self._resume_at = None
        epoch_logs = None
        for epoch in range(start_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            self._cache_step_structure()
            try:
                logs = self._train_epoch(callback_list, epoch_steps(train, self._training_seed, epoch, first_step),
                                         epoch)
            finally:
                self._step_structure = None
            first_step = 0
            if getattr(train, "exhausted", False) and not logs:
                if epoch == start_epoch and type(train) is not data_adapter.ArrayAdapter:
                    raise ValueError("fit(): the data produced no batches: the generator or dataset "
                                     "must yield at least one (x, y) batch.")
                break
            epoch_logs = self._epoch_logs(logs)
            if validation is not None and _should_validate(epoch, validation_freq):
                val_logs = self._run_evaluation(validation, callback_list)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if replica is not None:
                self.stop_training = replica.stop_agreed(self.stop_training)
            if self.stop_training or getattr(train, "exhausted", False):
                break
        return epoch_logs

    def _train_epoch(self, callback_list, steps, epoch):
        """Train on `steps`, (step, positions, batch) of `epoch` (from
        `models.epoch_steps`: each sample's random draws keyed by its position); returns the
        last step's logs ({} for no batch)."""
        logs = {}
        seed = getattr(self, "_training_seed", None)
        replica = self.__dict__.get("_replica")
        for step, positions, batch in steps:
            callback_list.on_train_batch_begin(step)
            with (flushing(),  # subnormal floats as 0 (strided._subnormals)
                  self._shard(batch, positions, "fit") as (part, part_positions),
                  keyed(seed, epoch, step, part_positions)):
                logs = self.train_step(part)
            if self._step_structure is None and self.built:  # built by this first step
                self._cache_step_structure()
            callback_list.on_train_batch_end(step, logs)
            if replica is not None:
                self.stop_training = replica.stop_agreed(self.stop_training)
            if self.stop_training:
                break
        return logs

    def _epoch_logs(self, logs):
        """The epoch's metric results, or a custom train_step's own logs (as Keras)."""
        custom = type(self).train_step is not Trainer.train_step
        if custom or not self._compile_state.built:
            return dict(logs)
        return dict(self.get_metrics_result())

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the data: a float (loss only), [loss, metric, ...] or a dict.

        Example:
            >>> test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
        """
        self._require_compiled("evaluate")
        verbose = _verbosity(verbose)
        replica = distributed_loop.replica_for_run()
        adapter = data_adapter.make_adapter(x, y, sample_weight, batch_size, steps, method="evaluate")
        self._check_inputs(adapter, "evaluate")
        adapter = distributed_loop.for_ranks(adapter, replica)
        callback_list = self._callback_list(distributed_loop.rank_callbacks(callbacks, replica),
                                            _rank_verbosity(verbose, replica), 1, adapter.steps,
                                            add_history=False)
        with runtime.speed_settings(), self._as_replica(replica, verbose):
            logs = self._run_evaluation(adapter, callback_list)
        if return_dict:
            return logs
        return self._compile_state.ordered_values(logs)

    def _run_evaluation(self, adapter, callback_list):
        self.reset_metrics()
        callback_list.on_test_begin()
        logs, step = {}, -1
        for step, batch in enumerate(adapter.batches()):
            callback_list.on_test_batch_begin(step)
            with self._shard(batch, None, "evaluate") as (part, _):
                logs = self.test_step(part)
            callback_list.on_test_batch_end(step, logs)
        if step < 0:
            raise ValueError("evaluate(): the data produced no batches: the generator or dataset "
                             "must yield at least one (x, y) batch.")
        logs = dict(self.get_metrics_result()) if self._compile_state.built else logs
        callback_list.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, computed in batches without gradients, as NumPy.

        Returns an array (or a list of arrays for several outputs) with one row per sample.

        Example:
            >>> probabilities = model.predict(x_test[:5])     # shape (5, 10)
        """
        verbose = _verbosity(verbose)
        replica = distributed_loop.replica_for_run()
        adapter = data_adapter.make_adapter(x, None, None, batch_size, steps, method="predict")
        self._check_inputs(adapter, "predict")
        adapter = distributed_loop.for_ranks(adapter, replica)
        callback_list = self._callback_list(distributed_loop.rank_callbacks(callbacks, replica),
                                            _rank_verbosity(verbose, replica), 1, adapter.steps,
                                            add_history=False)
        with runtime.speed_settings(), self._as_replica(replica, verbose):
            callback_list.on_predict_begin()
            merged, structure = self._predict_batches(adapter, callback_list)
            callback_list.on_predict_end()
        return pack_like(structure, merged)

    def _predict_batches(self, adapter, callback_list):
        """(the outputs' leaves, all rows; the last batch's outputs, for their nesting)."""
        chunks, structure = [], None
        replica = self.__dict__.get("_replica")
        for step, (batch_x, _, _) in enumerate(adapter.batches()):
            callback_list.on_predict_batch_begin(step)
            with self._shard((batch_x, None, None), None, "predict") as ((part_x, _, _), _):
                outputs = self.predict_step((part_x,))
                leaves = flatten(data_adapter.to_arrays(outputs))
                if replica is not None:  # every rank's rows of the batch
                    leaves = replica.gather_rows(leaves)
                    outputs = pack_like(outputs, leaves)
            structure = outputs
            chunks.append(leaves)
            callback_list.on_predict_batch_end(step, {"outputs": outputs})
        if not chunks:
            raise ValueError("predict(): the input produced no batches (is it empty?).")
        return [np.concatenate([chunk[i] for chunk in chunks], axis=0) for i in range(len(chunks[0]))], structure

    # ---------------------------------------------------------------- on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns loss (and metrics) like `evaluate`."""
        self._require_compiled("train_on_batch")
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=_batch_size(x) or 1,
                                            class_weight=class_weight)
        with flushing():
            logs = self.train_step(next(adapter.batches()))
        return logs if return_dict else self._compile_state.ordered_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._require_compiled("test_on_batch")
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=_batch_size(x) or 1)
        logs = self.test_step(next(adapter.batches()))
        return logs if return_dict else self._compile_state.ordered_values(logs)

    def predict_on_batch(self, x):
        """The outputs for one batch, as NumPy."""
        x = data_adapter.to_arrays(x)
        outputs = self.predict_step((x,))
        return pack_like(outputs, flatten(data_adapter.to_arrays(outputs)))

    # ----------------------------------------------------------------- helpers
    def _validation_adapter(self, validation_data, batch_size, steps):
        if isinstance(validation_data, tuple) and data_adapter.is_array_like(validation_data[0]):
            if len(validation_data) not in (2, 3):
                raise ValueError(
                    "validation_data must be (x_val, y_val) or (x_val, y_val, val_sample_weight); "
                    f"received a tuple of {len(validation_data)} items."
                )
            x_val, y_val, weight = data_adapter.unpack_batch(validation_data)
            return data_adapter.make_adapter(x_val, y_val, weight, batch_size, steps, method="fit")
        return data_adapter.make_adapter(validation_data, steps=steps, method="fit")

    def _check_inputs(self, adapter, method):
        """Compare the data's shapes with the model's Input(s) before any work is done."""
        graph = getattr(self, "_graph", None)
        if graph is None:
            return
        sample = adapter.first_x()
        if sample is None:
            return
        arrays = flatten(sample) if not isinstance(sample, dict) else [sample.get(t._keras_history[0].name) for t in graph.input_tensors]
        if len(arrays) != len(graph.input_tensors):
            raise ValueError(
                f"{method}(): model '{self.name}' expects {len(graph.input_tensors)} input(s) "
                f"{[t.shape for t in graph.input_tensors]}, but x holds {len(arrays)} array(s)."
            )
        for index, (array, tensor) in enumerate(zip(arrays, graph.input_tensors)):
            if array is None:
                continue
            shape, want = tuple(np.shape(array)), tensor.shape
            if len(shape) == len(want) - 1 and want[-1] == 1:
                shape = shape + (1,)
            elif len(shape) == len(want) + 1 and shape[-1] == 1:
                shape = shape[:-1]
            if len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want, shape)):
                raise ValueError(f"{method}(): " + describe_shape_mismatch(tuple(np.shape(array)), want, index, self.name))

    @contextlib.contextmanager
    def _as_replica(self, replica, verbose):
        """The block runs as `replica` (one rank of several; None: alone), guarded: an exception
        on one rank is raised on every rank (`Collective.guard`), none waits for it in vain."""
        if replica is None or self.__dict__.get("_replica") is not None:
            yield
            return
        replica.verbose = verbose
        self.__dict__["_replica"] = replica
        try:
            with replica.collective.guard(), distributed_loop.rank_threads(replica):
                yield
        finally:
            self.__dict__.pop("_replica", None)

    def _callback_list(self, callbacks, verbose, epochs, steps, add_history):
        from strided import callbacks as callbacks_module

        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        return callbacks_module.CallbackList(
            callbacks, add_history=add_history, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps,
        )


class _StepStructure:
    """The trainable variables, the layers and the regularized variables, cached during fit().

    A plain object, not a tuple or list: the layer tree walks a model's lists and tuples for
    variables and layers, and would save this cache's variables a second time as the model's
    own (a checkpoint saved in the middle of an epoch then never loads).
    """

    def __init__(self, model):
        self.variables = model.trainable_weights
        self.layers = model._flatten_layers()
        self.regularized = [(v, v.regularizer) for v in self.variables if getattr(v, "regularizer", None)]


def _verbosity(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def _rank_verbosity(verbose, replica):
    """Progress is printed by rank 0 alone."""
    return verbose if replica is None or replica.is_primary else 0


def _batch_size(x):
    leaves = flatten(x) if not isinstance(x, dict) else list(x.values())
    for leaf in leaves:
        shape = getattr(leaf, "shape", None)
        if shape is None:
            shape = np.shape(leaf)
        if len(shape):
            return int(shape[0])
    return None


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError(f"`validation_freq` must be >= 1. Received: {validation_freq}")
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _find_history(callback_list):
    for callback in getattr(callback_list, "callbacks", []):
        if type(callback).__name__ == "History":
            return callback
    return getattr(callback_list, "_history", None)


__all__ = ["Trainer"]
