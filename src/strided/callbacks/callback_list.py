"""`CallbackList`: calls every callback's hook in order; adds History and ProgbarLogger."""

import numbers

import numpy as np

from strided.autograd import Tensor
from strided.callbacks.callback import Callback
from strided.callbacks.history import History
from strided.callbacks.progbar_logger import ProgbarLogger


def pythonify_logs(logs):
    """Turn 0-d arrays / Tensors / NumPy scalars in `logs` into Python floats, IN PLACE."""
    if logs is None:
        return None
    for key, value in list(logs.items()):
        data = value.data if isinstance(value, Tensor) else value
        if isinstance(data, np.ndarray) and data.ndim == 0 or isinstance(data, np.generic):
            logs[key] = data.item()
        elif isinstance(data, numbers.Real) and not isinstance(data, (bool, int)):
            logs[key] = float(data)
    return logs


class CallbackList(Callback):
    """A container that forwards every hook to its callbacks, in list order.

    Args:
        callbacks: list of `Callback`s (or None).
        add_history: append a `History` if there is none.
        add_progbar: append a `ProgbarLogger` if there is none.
        model: the model, passed to every callback's `set_model`.
        **params: passed to every callback's `set_params` (verbose, epochs, steps).

    Example (inside fit):
        >>> callbacks = CallbackList(user_callbacks, add_history=True, add_progbar=verbose != 0,
        ...                          model=model, verbose=verbose, epochs=epochs, steps=steps)
        >>> callbacks.on_train_begin()
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"Callbacks must be instances of strided.callbacks.Callback; received "
                    f"{callback!r} of type {type(callback).__name__}."
                )
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    @property
    def history(self):
        return self._history

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args, logs=None):
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)  # positional, as Keras: f(epoch, logs) lambdas

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


__all__ = ["CallbackList", "pythonify_logs"]
