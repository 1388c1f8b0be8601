"""`History`: records the epoch logs; `fit` returns it (and sets `model.history`)."""

from strided.callbacks.callback import Callback


class History(Callback):
    """Collects each epoch's logs into `history` (a dict of lists) and `epoch` (a list).

    Example:
        >>> history = model.fit(x, y, epochs=3)
        >>> history.history["loss"]        # three floats
        >>> history.epoch                  # [0, 1, 2]
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


__all__ = ["History"]
