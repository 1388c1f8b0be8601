"""Losses with Keras 3 names: functions give one value per sample, `Loss` objects reduce them.

    loss_fn = strided.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = loss_fn(y_true, logits)          # a scalar Tensor: mean over the batch
    loss.backward()
    model.compile(loss="kl_divergence")     # or "huber", "hinge", "dice", ... as Keras

    base           Loss, LossFunctionWrapper, reduce_values
    crossentropy   (sparse / binary / categorical) cross-entropy and the focal forms
    regression     MSE, MAE, MAPE, MSLE, Huber, LogCosh, Poisson, KLDivergence, CosineSimilarity
    margin         Hinge, SquaredHinge, CategoricalHinge
    overlap        Dice, Tversky
    sequence       CTC (label sequences against per-frame logits)
    metric_learning  Circle (on unit-norm embeddings)
    generalized_crossentropy   CategoricalGeneralizedCrossEntropy (noise-robust)

`get()` turns what users write in `compile(loss=...)` into a `Loss`: every Keras function
name and alias ("mse", "kld", "logcosh", ...), a class name, a config dict or a function.
"""

from strided.losses import crossentropy as _crossentropy
from strided.losses import generalized_crossentropy as _generalized_crossentropy
from strided.losses import margin as _margin
from strided.losses import metric_learning as _metric_learning
from strided.losses import overlap as _overlap
from strided.losses import regression as _regression
from strided.losses import sequence as _sequence
from strided.losses.base import Loss, LossFunctionWrapper, reduce_values
from strided.losses.crossentropy import *  # noqa: F401,F403
from strided.losses.crossentropy import __all__ as _crossentropy_names
from strided.losses.generalized_crossentropy import *  # noqa: F401,F403
from strided.losses.generalized_crossentropy import __all__ as _generalized_crossentropy_names
from strided.losses.margin import *  # noqa: F401,F403
from strided.losses.margin import __all__ as _margin_names
from strided.losses.metric_learning import *  # noqa: F401,F403
from strided.losses.metric_learning import __all__ as _metric_learning_names
from strided.losses.overlap import *  # noqa: F401,F403
from strided.losses.overlap import __all__ as _overlap_names
from strided.losses.regression import *  # noqa: F401,F403
from strided.losses.regression import __all__ as _regression_names
from strided.losses.sequence import *  # noqa: F401,F403
from strided.losses.sequence import __all__ as _sequence_names

_MODULES = (_crossentropy, _regression, _margin, _overlap, _sequence, _metric_learning,
            _generalized_crossentropy)
_CLASSES = {name: getattr(module, name) for module in _MODULES for name in module.__all__
            if isinstance(getattr(module, name), type)}
# Function names and Keras' aliases -> the class that wraps the function.
_FUNCTIONS = {cls().fn.__name__: cls for cls in _CLASSES.values()}
_FUNCTIONS.update({
    "mse": _regression.MeanSquaredError, "mae": _regression.MeanAbsoluteError,
    "mape": _regression.MeanAbsolutePercentageError,
    "msle": _regression.MeanSquaredLogarithmicError, "kld": _regression.KLDivergence,
    "kullback_leibler_divergence": _regression.KLDivergence, "logcosh": _regression.LogCosh,
    "huber_loss": _regression.Huber,
})


def serialize(loss):
    """{"class_name", "config"} for a built-in `Loss` object."""
    return {"module": "keras.losses", "class_name": type(loss).__name__,
            "config": loss.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The `Loss` described by `serialize()` output (or a name)."""
    if isinstance(config, dict) and custom_objects and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]].from_config(config.get("config", {}))
    return get(config)


def get(identifier):
    """A `Loss` object (call it to get a scalar) from a name, a config dict, a Loss or a function.

    Names: every Keras loss function name and alias ("sparse_categorical_crossentropy",
    "mse", "kl_divergence", "huber", "hinge", "dice", ...) or a class name such as
    "SparseCategoricalCrossentropy". A plain function `fn(y_true, y_pred)` giving per-sample
    values is wrapped so its values are averaged over the batch. None gives None.

    Example:
        >>> strided.losses.get("mse").name
        'mean_squared_error'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown loss class: {identifier.get('class_name')!r}. "
                             f"Known: {sorted(_CLASSES)}.")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier) or _FUNCTIONS.get(identifier.lower())
        if cls is not None:
            return cls()
    elif callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected one of "
        f"{sorted(_FUNCTIONS)}, a Loss instance or a function fn(y_true, y_pred)."
    )


__all__ = (["Loss", "LossFunctionWrapper", "deserialize", "get", "reduce_values", "serialize"]
           + _crossentropy_names + _regression_names + _margin_names + _overlap_names
           + _sequence_names + _metric_learning_names + _generalized_crossentropy_names)
