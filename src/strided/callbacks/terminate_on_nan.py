"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""

import math

from strided.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Set `model.stop_training = True` when a batch reports a NaN or infinite loss.

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


__all__ = ["TerminateOnNaN"]
