"""PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity and SpecificityAtSensitivity
against Keras 3: values over several batches (weights, class_id, few thresholds) and configs."""

import numpy as np
import pytest

import strided
from strided import metrics

keras = pytest.importorskip("keras")

NAMES = ["PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity"]


def _batches(seed, classes=None):
    rng = np.random.default_rng(seed)
    shape = (40,) if classes is None else (40, classes)
    for _ in range(3):
        y_true = (rng.random(shape) < 0.4).astype(np.float32)
        # informative but imperfect scores, some exactly on the thresholds
        y_pred = np.clip(0.35 * y_true + 0.65 * rng.random(shape), 0, 1).astype(np.float32)
        y_pred[:3] = np.array([0.0, 0.5, 1.0]).reshape((3,) + (1,) * (len(shape) - 1))
        yield y_true, y_pred, rng.random(shape[:1]).astype(np.float32)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("target,kwargs", [
    (0.5, {}), (0.8, {"num_thresholds": 7}), (0.3, {"num_thresholds": 1}), (1.0, {"num_thresholds": 50}),
    (0.6, {"class_id": 2}), (0.0, {"num_thresholds": 3}),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_values_match_keras(name, target, kwargs, weighted):
    mine = getattr(metrics, name)(target, **kwargs)
    theirs = getattr(keras.metrics, name)(target, **kwargs)
    for y_true, y_pred, weight in _batches(len(name), classes=4 if "class_id" in kwargs else None):
        mine.update_state(y_true, y_pred, sample_weight=weight if weighted else None)
        theirs.update_state(y_true, y_pred, sample_weight=weight if weighted else None)
        assert mine.result() == pytest.approx(float(theirs.result()), abs=1e-6)
    assert 0.0 <= mine.result() <= 1.0
    assert mine.get_config() == theirs.get_config()
    mine.reset_state()
    assert mine.result() == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_and_errors(name):
    metric = getattr(metrics, name)(0.4, num_thresholds=20, name="m")
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    with pytest.raises(ValueError, match=r"range \[0, 1\]. Received"):
        getattr(metrics, name)(1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        getattr(metrics, name)(0.5, num_thresholds=0)


def test_in_fit_logs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = strided.Sequential([strided.Input((4,)), strided.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[metrics.PrecisionAtRecall(0.5)])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert 0.0 <= history.history["precision_at_recall"][0] <= 1.0
