"""`LearningRateScheduler`: set the learning rate at the start of each epoch from a function."""

from strided.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Call `schedule(epoch, lr)` (or `schedule(epoch)`) before each epoch; use its result.

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate,
            returning the new learning rate as a float.
        verbose: 1 prints each update.

    The learning rate is added to the epoch logs as "learning_rate".

    Example:
        >>> def halve_after_10(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.5
        >>> model.fit(x, y, epochs=20, callbacks=[LearningRateScheduler(halve_after_10)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('The optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # a schedule of the epoch only (the old API)
            learning_rate = self.schedule(epoch)
        try:
            learning_rate = float(learning_rate)
        except (TypeError, ValueError):
            raise ValueError(
                "The output of the `schedule` function should be a float. "
                f"Got: {learning_rate!r}"
            ) from None
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


__all__ = ["LearningRateScheduler"]
