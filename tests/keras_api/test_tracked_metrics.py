"""A subclassed model's own metric trackers (attributes) appear in fit's and evaluate's logs,
and in `model.metrics`, as in Keras 3.15 (the VAE pattern of compute_loss + trackers)."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")

import strided  # noqa: E402


def tracked_model(lib):
    class Tracked(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1, kernel_initializer="ones")
            self.square_tracker = lib.metrics.Mean(name="square_loss")
            self.trackers = [lib.metrics.Mean(name="doubled")]

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = lib.ops.mean((y_pred - y) ** 2)
            self.square_tracker.update_state(loss)
            self.trackers[0].update_state(loss * 2.0)
            return loss

    return Tracked()


def test_trackers_are_logged_as_keras_logs_them():
    x = np.linspace(0, 1, 16, dtype="float32").reshape(8, 2)
    y = np.ones((8, 1), "float32")
    results = {}
    for name, lib in (("keras", keras), ("strided", strided)):
        model = tracked_model(lib)
        model.compile(optimizer=lib.optimizers.SGD(0.1))
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluation = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
        results[name] = (history.history, evaluation, [m.name for m in model.metrics])
    (k_history, k_eval, k_names), (s_history, s_eval, s_names) = results["keras"], results["strided"]
    assert sorted(s_history) == sorted(k_history) == ["doubled", "loss", "square_loss"]
    for key in k_history:
        assert np.allclose(s_history[key], k_history[key], rtol=1e-5), key
    assert sorted(s_eval) == sorted(k_eval)
    for key in k_eval:
        assert np.isclose(s_eval[key], k_eval[key], rtol=1e-5), key
    assert sorted(s_names) == sorted(k_names)
