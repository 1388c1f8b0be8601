"""A per-class metric (F1Score(average=None)) compiled into a model logs one value per class in
fit's history and evaluate's dict, as Keras 3.15 does, and prints in the progress line."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")

import strided  # noqa: E402


def run(lib):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax",
                                                              kernel_initializer="ones")])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="categorical_crossentropy",
                  metrics=[lib.metrics.F1Score(average=None)])
    x = np.linspace(-1, 1, 64, dtype="float32").reshape(16, 4)
    y = np.eye(3, dtype="float32")[np.arange(16) % 3]
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=2)
    return history.history, model.evaluate(x, y, verbose=0, return_dict=True)


def test_f1_per_class_in_fit_and_evaluate_as_keras(capsys):
    (k_history, k_eval), (s_history, s_eval) = run(keras), run(strided)
    printed = capsys.readouterr().out
    assert "f1_score: [" in printed
    for epoch in range(2):
        assert np.allclose(np.asarray(s_history["f1_score"][epoch]),
                           np.asarray(k_history["f1_score"][epoch]), atol=1e-5)
    assert np.allclose(np.asarray(s_eval["f1_score"]), np.asarray(k_eval["f1_score"]), atol=1e-5)
