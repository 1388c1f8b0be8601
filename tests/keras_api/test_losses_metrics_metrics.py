"""Stateful metrics compared with real Keras 3: the same batches (with and without sample
weights) through update_state, then result(), reset_state() and get_config(); and the string
names Keras' compile accepts, used in strided's compile."""

import keras
import numpy as np
import pytest

import strided
from strided import metrics

RNG = np.random.default_rng(3)
N = 24
BINARY_TRUE = RNG.integers(0, 2, (N, 3)).astype(np.float32)
BINARY_PRED = RNG.uniform(0, 1, (N, 3)).astype(np.float32)
LOGITS = RNG.normal(0, 2, (N, 3)).astype(np.float32)
CLASSES = RNG.integers(0, 4, N)
ONE_HOT = np.eye(4, dtype=np.float32)[CLASSES]
SCORES = RNG.dirichlet(np.ones(4), N).astype(np.float32)
ONE_HOT_PRED = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, N)]
MASK_TRUE = RNG.integers(0, 3, (N, 5, 5))
MASK_PRED = np.where(RNG.uniform(size=(N, 5, 5)) < 0.6, MASK_TRUE, RNG.integers(0, 3, (N, 5, 5)))
REAL_TRUE = RNG.normal(size=(N, 2)).astype(np.float32)
REAL_PRED = (REAL_TRUE + RNG.normal(0, 0.5, (N, 2))).astype(np.float32)
POSITIVE_PRED = RNG.uniform(0.1, 2, (N, 2)).astype(np.float32)
WEIGHTS = RNG.uniform(0.1, 2.0, N).astype(np.float32)
INT_WEIGHTS = RNG.integers(0, 3, N).astype(np.float32)
PIXEL_WEIGHTS = RNG.integers(0, 3, (N, 5, 5)).astype(np.float32)  # Keras' IoU needs one per label
PIXEL_FLOAT_WEIGHTS = RNG.uniform(0.1, 2.0, (N, 5, 5)).astype(np.float32)

# (class name, constructor kwargs, y_true, y_pred, sample weights)
CASES = [
    ("AUC", {}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("AUC", {"curve": "PR"}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("AUC", {"curve": "PR", "summation_method": "minoring", "num_thresholds": 13}, BINARY_TRUE, BINARY_PRED, None),
    ("AUC", {"num_thresholds": 50, "multi_label": True}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5], "curve": "PR"}, BINARY_TRUE, BINARY_PRED, None),
    ("AUC", {"from_logits": True, "summation_method": "majoring"}, BINARY_TRUE, LOGITS, None),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9]}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, BINARY_TRUE, BINARY_PRED, None),
    ("Precision", {}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, BINARY_TRUE, BINARY_PRED, None),
    ("Precision", {"top_k": 2}, ONE_HOT, SCORES, None),
    ("Precision", {"class_id": 2}, ONE_HOT, SCORES, WEIGHTS),
    ("Recall", {}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("Recall", {"top_k": 1, "class_id": 1}, ONE_HOT, SCORES, None),
    ("TruePositives", {}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, BINARY_TRUE, BINARY_PRED, None),
    ("TrueNegatives", {}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("FalseNegatives", {}, BINARY_TRUE, BINARY_PRED, None),
    ("F1Score", {}, ONE_HOT, SCORES, None),
    ("F1Score", {"average": "macro"}, ONE_HOT, SCORES, WEIGHTS),
    ("F1Score", {"average": "micro", "threshold": 0.3}, ONE_HOT, SCORES, None),
    ("F1Score", {"average": "weighted"}, BINARY_TRUE, BINARY_PRED, WEIGHTS),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, ONE_HOT, SCORES, None),
    ("MeanIoU", {"num_classes": 3}, MASK_TRUE, MASK_PRED, None),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 0}, MASK_TRUE, MASK_PRED, PIXEL_WEIGHTS),
    ("MeanIoU", {"num_classes": 3, "dtype": "float32"}, MASK_TRUE, MASK_PRED, PIXEL_FLOAT_WEIGHTS),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, MASK_TRUE, MASK_PRED, None),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.4}, BINARY_TRUE, BINARY_PRED, None),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, ONE_HOT, SCORES, None),
    ("OneHotMeanIoU", {"num_classes": 4}, ONE_HOT, SCORES, INT_WEIGHTS),
    ("TopKCategoricalAccuracy", {"k": 2}, ONE_HOT, SCORES, WEIGHTS),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, CLASSES, SCORES, None),
    ("RootMeanSquaredError", {}, REAL_TRUE, REAL_PRED, WEIGHTS),
    ("R2Score", {}, REAL_TRUE, REAL_PRED, None),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 1}, REAL_TRUE, REAL_PRED, WEIGHTS),
    ("R2Score", {"class_aggregation": None}, REAL_TRUE, REAL_PRED, None),
    ("CosineSimilarity", {}, REAL_TRUE, REAL_PRED, WEIGHTS),
    ("LogCoshError", {}, REAL_TRUE, REAL_PRED, None),
    ("MeanAbsolutePercentageError", {}, REAL_TRUE, REAL_PRED, WEIGHTS),
    ("MeanSquaredLogarithmicError", {}, np.abs(REAL_TRUE), POSITIVE_PRED, None),
    ("Poisson", {}, np.abs(REAL_TRUE), POSITIVE_PRED, WEIGHTS),
    ("KLDivergence", {}, ONE_HOT, SCORES, None),
    ("Hinge", {}, BINARY_TRUE, LOGITS, WEIGHTS),
    ("SquaredHinge", {}, BINARY_TRUE, LOGITS, None),
    ("CategoricalHinge", {}, ONE_HOT, SCORES, None),
    ("PearsonCorrelation", {}, RNG.normal(size=(N, 5)).astype(np.float32), RNG.normal(size=(N, 5)).astype(np.float32), WEIGHTS),
    ("ConcordanceCorrelation", {}, REAL_TRUE, REAL_PRED, None),
    ("PearsonCorrelation", {"axis": 0}, REAL_TRUE, REAL_PRED, None),
]
IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


def _run(metric, y_true, y_pred, weights):
    """Three batches of 8; the result after each."""
    results = []
    for start in range(0, N, 8):
        part = slice(start, start + 8)
        metric.update_state(y_true[part], y_pred[part], sample_weight=None if weights is None else weights[part])
        results.append(np.asarray(metric.result(), dtype=np.float64))
    return results


@pytest.mark.parametrize("name, kwargs, y_true, y_pred, weights", CASES, ids=IDS)
def test_results_match_keras(name, kwargs, y_true, y_pred, weights):
    theirs, ours = getattr(keras.metrics, name)(**kwargs), getattr(metrics, name)(**kwargs)
    expected, actual = _run(theirs, y_true, y_pred, weights), _run(ours, y_true, y_pred, weights)
    for got, want in zip(actual, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_run(ours, y_true, y_pred, weights)[0], expected[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", sorted({(n, repr(k)) for n, k, *_ in CASES}))
def test_config_matches_keras(name, kwargs):
    kwargs = eval(kwargs)  # noqa: S307 (the repr of a literal dict above)
    theirs = getattr(keras.metrics, name)(**kwargs).get_config()
    ours = getattr(metrics, name)(**kwargs).get_config()
    theirs.pop("name"), ours.pop("name")
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        mine = ours[key]
        if isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "numpy"):
            np.testing.assert_allclose(np.asarray(mine, float), np.asarray(value, float), rtol=1e-6)
        else:
            assert mine == value, key
    again = metrics.deserialize(metrics.serialize(getattr(metrics, name)(**kwargs)))
    assert again.get_config() == getattr(metrics, name)(**kwargs).get_config()


COMPILE_NAMES = ["auc", "precision", "recall", "true_positives", "false_negatives",
                 "root_mean_squared_error", "r2_score", "kl_divergence", "poisson", "hinge",
                 "cosine_similarity", "mape", "msle", "top_k_categorical_accuracy", "pearson_correlation"]


def test_compile_accepts_keras_metric_names_and_matches_keras():
    x = RNG.normal(size=(32, 4)).astype(np.float32)
    y = (RNG.uniform(size=(32, 3)) < 0.5).astype(np.float32)
    results = []
    for lib in (keras, strided):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="sigmoid", kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="binary_crossentropy",
                      metrics=COMPILE_NAMES + [lib.metrics.F1Score(average="macro", threshold=0.5)])
        results.append(model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True))
    keras_logs, strided_logs = results
    assert set(strided_logs) == set(keras_logs)
    for key, value in keras_logs.items():
        np.testing.assert_allclose(strided_logs[key], value, rtol=2e-5, atol=1e-6, err_msg=key)


def test_metric_objects_in_compile_and_fit():
    x = RNG.normal(size=(40, 4)).astype(np.float32)
    labels = np.eye(2, dtype=np.float32)[(x[:, 0] > 0).astype(np.int64)]
    model = strided.Sequential([strided.Input((4,)), strided.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.OneHotMeanIoU(num_classes=2, name="mean_io_u"), metrics.AUC(name="roc")])
    history = model.fit(x, labels, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    assert {"mean_io_u", "roc", "val_mean_io_u", "val_roc"} <= set(history.history)
    assert 0.0 <= history.history["roc"][-1] <= 1.0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"Target class id 5 is out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[5])
    with pytest.raises(ValueError, match=r"y_true and y_pred must have the same shape"):
        metrics.AUC().update_state(np.zeros((4, 2)), np.zeros((4, 3)))
