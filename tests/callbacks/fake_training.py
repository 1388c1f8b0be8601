"""A tiny stand-in for a model and its fit loop, so callbacks are tested without strided.models."""

import numpy as np

from strided.callbacks import CallbackList
from strided.optimizers import SGD


class FakeModel:
    def __init__(self, learning_rate=0.1):
        self.weights = [np.zeros(2, np.float32), np.zeros(1, np.float32)]
        self.optimizer = SGD(learning_rate=learning_rate)
        self.stop_training = False
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w, copy=True) for w in weights]

    def save(self, path):
        self.saved.append(("model", path))
        with open(path, "w") as handle:
            handle.write("model")

    def save_weights(self, path):
        self.saved.append(("weights", path))
        with open(path, "w") as handle:
            handle.write("weights")


def fake_fit(model, callbacks, epoch_logs, steps=3, batch_logs=None, verbose=0):
    """Drive the hooks as fit does; epoch e sets every weight to e (to see which one is restored).

    Returns the number of epochs run.
    """
    callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                 model=model, verbose=verbose, epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    callback_list.on_train_begin()
    epochs_run = 0
    for epoch, logs in enumerate(epoch_logs):
        callback_list.on_epoch_begin(epoch)
        for batch in range(steps):
            callback_list.on_train_batch_begin(batch)
            model.weights = [np.full_like(w, epoch) for w in model.weights]
            step_logs = dict(batch_logs[batch] if batch_logs else {"loss": logs.get("loss", 0.0)})
            callback_list.on_train_batch_end(batch, step_logs)
            if model.stop_training:
                break
        logs = dict(logs)
        callback_list.on_epoch_end(epoch, logs)
        epochs_run += 1
        if model.stop_training:
            break
    callback_list.on_train_end()
    return epochs_run
