"""`LambdaCallback`: a callback made of plain functions, for quick one-off hooks."""

from strided.callbacks.callback import Callback

_HOOKS = {
    "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end",
}


class LambdaCallback(Callback):
    """Build a callback from functions with the hooks' signatures.

    Args:
        on_epoch_begin, on_epoch_end: f(epoch, logs).
        on_train_begin, on_train_end: f(logs).
        on_train_batch_begin, on_train_batch_end: f(batch, logs).
        **kwargs: any other hook name (on_test_begin=..., on_predict_batch_end=...).

    Example:
        >>> print_loss = LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        unknown = set(kwargs) - _HOOKS
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {sorted(unknown)}. "
                            f"Valid hooks: {sorted(_HOOKS)}")
        hooks = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


__all__ = ["LambdaCallback"]
