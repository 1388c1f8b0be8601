"""`Callback`: hooks that `fit`, `evaluate` and `predict` call at fixed points (Keras 3).

A callback receives the model at run time (`set_model`) and never imports it, so callbacks
sit below models in the package. Setting `self.model.stop_training = True` ends `fit`
after the current epoch.

Hook order in fit: on_train_begin, then per epoch on_epoch_begin, per batch
on_train_batch_begin / on_train_batch_end, validation (on_test_*), on_epoch_end; finally
on_train_end. `logs` is a dict of Python floats: running means at batch end, epoch means
(and val_ metrics) at epoch end.
"""


class Callback:
    """Base class: every hook does nothing; override the ones you need.

    Attributes:
        params: dict with "verbose", "epochs", "steps" (set by the training loop).
        model: the model being trained.

    Example (stop when accuracy reaches 98%, from the lessons):
        >>> class StopAt98(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if logs.get("accuracy", 0) >= 0.98:
        ...             self.model.stop_training = True
    """

    def __init__(self):
        self.params = {}
        self._model = None
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    # Epoch-level hooks (fit only).
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; `logs` has the epoch's loss, metrics and val_ values."""

    # Batch-level hooks.
    def on_batch_begin(self, batch, logs=None):
        """Backwards-compatible alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Backwards-compatible alias of `on_train_batch_end`."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of `evaluate` (and of validation inside `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of `evaluate` (and of validation inside `fit`)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of `predict`; `logs` has "outputs"."""

    # Whole-run hooks.
    def on_train_begin(self, logs=None):
        """Called once at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called once at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (and of each validation run)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` (and of each validation run)."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


__all__ = ["Callback"]
