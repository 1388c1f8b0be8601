import numpy as np
import pytest

from strided import losses, metrics
from strided.autograd import Tensor


def test_loss_metrics_average_the_loss_over_batches(rng):
    logits = rng.standard_normal((6, 4)).astype(np.float32)
    labels = rng.integers(0, 4, 6)
    m = metrics.SparseCategoricalCrossentropy(from_logits=True)
    m.update_state(labels[:2], logits[:2])
    m.update_state(labels[2:], logits[2:])
    expected = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, Tensor(logits))
    assert m.result() == pytest.approx(float(expected), rel=1e-5)
    assert m._direction == "down"


def test_mse_mae_metrics(rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    mse, mae = metrics.MeanSquaredError(), metrics.get("mae")
    mse.update_state(a, b)
    mae.update_state(a, b)
    assert mse.result() == pytest.approx(((a - b) ** 2).mean(), rel=1e-5)
    assert mae.result() == pytest.approx(np.abs(a - b).mean(), rel=1e-5)
    assert type(mae) is metrics.MeanAbsoluteError and mae.name == "mae"


def test_loss_metric_does_not_build_a_graph():
    m = metrics.BinaryCrossentropy()
    m.update_state(np.array([[1.0], [0.0]]), Tensor(np.array([[0.9], [0.2]]), requires_grad=True))
    assert m.result() == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-5)
