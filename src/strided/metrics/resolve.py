"""`get()`: turn what users write in `compile(metrics=[...])` into Metric objects.

"accuracy" / "acc" follow Keras' compile_utils.get_metric:
    binary       if the loss is binary cross-entropy, or the output's last axis is 1;
    sparse       if y_true has one axis fewer than y_pred, or y_true's last axis is 1 while
                 y_pred's is larger;
    categorical  otherwise.
When neither the shapes nor the loss tell, the choice is made on the first `update_state`.
The metric keeps the name the user wrote ("accuracy" or "acc").
"""

import numpy as np

from strided import losses as losses_module
from strided.metrics import accuracy_metrics as acc
from strided.metrics import confusion_metrics as cm
from strided.metrics import loss_metrics as lm
from strided.metrics import regression_metrics as rm
from strided.metrics import sensitivity_specificity as ss
from strided.metrics.auc import AUC
from strided.metrics.base import Mean, MeanMetricWrapper, Metric, Sum, as_array
from strided.metrics.correlation_metrics import ConcordanceCorrelation, PearsonCorrelation
from strided.metrics.f_score import F1Score, FBetaScore
from strided.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU

_CLASSES = {cls.__name__: cls for cls in (
    acc.Accuracy, acc.BinaryAccuracy, acc.CategoricalAccuracy, acc.SparseCategoricalAccuracy,
    acc.TopKCategoricalAccuracy, acc.SparseTopKCategoricalAccuracy, cm.Precision, cm.Recall,
    cm.TruePositives, cm.FalsePositives, cm.TrueNegatives, cm.FalseNegatives, AUC, F1Score,
    FBetaScore, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, Mean, Sum,
    rm.RootMeanSquaredError, rm.R2Score, rm.CosineSimilarity, rm.LogCoshError,
    lm.MeanSquaredError, lm.MeanAbsoluteError, lm.SparseCategoricalCrossentropy,
    lm.CategoricalCrossentropy, lm.BinaryCrossentropy, lm.MeanAbsolutePercentageError,
    lm.MeanSquaredLogarithmicError, lm.Poisson, lm.KLDivergence, lm.Hinge, lm.SquaredHinge,
    lm.CategoricalHinge, PearsonCorrelation, ConcordanceCorrelation)}
_CLASSES.update({cls.__name__: cls for cls in (  # metrics that need a target argument
    ss.PrecisionAtRecall, ss.RecallAtPrecision, ss.SensitivityAtSpecificity, ss.SpecificityAtSensitivity)})
# Metric names Keras' compile accepts, each built with no further argument.
_BY_NAME = {
    "binary_accuracy": acc.BinaryAccuracy, "categorical_accuracy": acc.CategoricalAccuracy,
    "sparse_categorical_accuracy": acc.SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": acc.TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": acc.SparseTopKCategoricalAccuracy,
    "precision": cm.Precision, "recall": cm.Recall, "true_positives": cm.TruePositives,
    "false_positives": cm.FalsePositives, "true_negatives": cm.TrueNegatives,
    "false_negatives": cm.FalseNegatives, "auc": AUC, "f1_score": F1Score, "fbeta_score": FBetaScore,
    "root_mean_squared_error": rm.RootMeanSquaredError, "r2_score": rm.R2Score,
    "cosine_similarity": rm.CosineSimilarity, "pearson_correlation": PearsonCorrelation,
    "concordance_correlation": ConcordanceCorrelation,
}
_LOSS_METRICS = {
    "mean_squared_error": lm.MeanSquaredError, "mse": lm.MeanSquaredError,
    "mean_absolute_error": lm.MeanAbsoluteError, "mae": lm.MeanAbsoluteError,
    "binary_crossentropy": lm.BinaryCrossentropy,
    "categorical_crossentropy": lm.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": lm.SparseCategoricalCrossentropy,
    "mean_absolute_percentage_error": lm.MeanAbsolutePercentageError,
    "mape": lm.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": lm.MeanSquaredLogarithmicError,
    "msle": lm.MeanSquaredLogarithmicError, "poisson": lm.Poisson, "kl_divergence": lm.KLDivergence,
    "hinge": lm.Hinge, "squared_hinge": lm.SquaredHinge, "categorical_hinge": lm.CategoricalHinge,
}
# Keras functions with no metric class: their running mean under the function's name.
_LOSS_FUNCTIONS = ("huber", "log_cosh", "binary_focal_crossentropy", "categorical_focal_crossentropy")


def _loss_kind(loss):
    """'binary', 'sparse', 'categorical' or None, from a loss name, object or function."""
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    name = None
    if isinstance(loss, str):
        name = loss.lower()
    elif isinstance(loss, losses_module.LossFunctionWrapper):
        name = getattr(loss.fn, "__name__", None)
    elif callable(loss):
        name = getattr(loss, "__name__", None)
    return {"binary_crossentropy": "binary", "bce": "binary",
            "sparse_categorical_crossentropy": "sparse",
            "categorical_crossentropy": "categorical"}.get(name)


def accuracy_kind(loss=None, y_true=None, y_pred=None):
    """Which accuracy "accuracy" means: 'binary', 'sparse', 'categorical' or None (unknown)."""
    hint = _loss_kind(loss)
    if hint == "binary":
        return "binary"
    if y_pred is not None and y_true is not None:
        true_shape, pred_shape = np.shape(as_array(y_true)), np.shape(as_array(y_pred))
        if pred_shape[-1:] == (1,):
            return "binary"
        if len(true_shape) < len(pred_shape) or (true_shape[-1:] == (1,) and pred_shape[-1:] > (1,)):
            return "sparse"
        return "categorical"
    if y_pred is not None and np.shape(as_array(y_pred))[-1:] == (1,):
        return "binary"
    return hint


_ACCURACY_FUNCTIONS = {"binary": acc.binary_accuracy, "sparse": acc.sparse_categorical_accuracy,
                       "categorical": acc.categorical_accuracy}


class AutoAccuracy(MeanMetricWrapper):
    """"accuracy" whose kind (binary / sparse / categorical) is fixed by the first batch."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None, loss=None):
        super().__init__(self._resolve_and_compute, name=name, dtype=dtype)
        self._loss = loss
        self.kind = None

    def _resolve_and_compute(self, y_true, y_pred):
        if self.kind is None:
            self.kind = accuracy_kind(self._loss, y_true, y_pred)
        return _ACCURACY_FUNCTIONS[self.kind](y_true, y_pred)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def get(identifier, loss=None, y_true=None, y_pred=None):
    """A Metric from a name, a class name, a config dict, a function or a Metric instance.

    Args:
        identifier: e.g. "accuracy", "acc", "sparse_categorical_accuracy", "precision",
            "mae", "Recall", `SparseTopKCategoricalAccuracy(k=3)`, or `fn(y_true, y_pred)`.
        loss: the compiled loss (name, Loss or function), used to resolve "accuracy".
        y_true, y_pred: an example batch (or anything with `.shape`), used to resolve it.

    Example:
        >>> m = get("accuracy", y_true=np.zeros(4), y_pred=np.zeros((4, 10)))
        >>> type(m).__name__, m.name
        ('SparseCategoricalAccuracy', 'accuracy')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("accuracy", "acc"):
            kind = accuracy_kind(loss, y_true, y_pred)
            if kind is None:
                return AutoAccuracy(name=identifier, loss=loss)
            cls = {"binary": acc.BinaryAccuracy, "sparse": acc.SparseCategoricalAccuracy,
                   "categorical": acc.CategoricalAccuracy}[kind]
            return cls(name=identifier)
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        if key in _BY_NAME:
            return _BY_NAME[key](name=identifier)
        if key in _LOSS_METRICS:
            return _LOSS_METRICS[key](name=identifier)
        if key in _LOSS_FUNCTIONS:
            return lm.LossMetric(getattr(losses_module, key), name=identifier)
    elif callable(identifier):
        metric = MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
        return metric
    raise ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Expected 'accuracy', one of "
        f"{sorted(_BY_NAME) + sorted(_LOSS_METRICS)}, a Metric instance or a function "
        "fn(y_true, y_pred)."
    )


def serialize(metric):
    """{"class_name", "config"} for a built-in metric."""
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The metric described by `serialize()` output."""
    classes = dict(_CLASSES, AutoAccuracy=AutoAccuracy, **(custom_objects or {}))
    name = config.get("class_name")
    if name not in classes:
        raise ValueError(f"Unknown metric class: {name!r}. Known: {sorted(_CLASSES)}.")
    return classes[name].from_config(config.get("config", {}))


__all__ = ["AutoAccuracy", "accuracy_kind", "deserialize", "get", "serialize"]
