"""Metrics with Keras 3 names: running means of accuracy, top-k accuracy, precision, recall.

`get("accuracy", loss=..., y_true=..., y_pred=...)` picks binary, sparse or categorical
accuracy the way Keras' compile does, and keeps the name the user wrote ("accuracy").
"""

from strided.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from strided.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from strided.metrics.confusion_metrics import Precision, Recall
from strided.metrics.loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    LossMetric,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from strided.metrics.resolve import deserialize, get, serialize

__all__ = [
    "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "LossMetric", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "Precision", "Recall", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "Sum",
    "TopKCategoricalAccuracy", "accuracy", "binary_accuracy", "categorical_accuracy",
    "deserialize", "get", "serialize", "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy"
]
