"""fit, evaluate and predict run inside `runtime.speed_settings()` (the process settings that
make training faster apply during strided's own calls only, never at import)."""

import contextlib

import numpy as np

import strided.layers as L
from strided import runtime
from strided.callbacks import LambdaCallback
from strided.models import Sequential


def test_fit_evaluate_and_predict_run_inside_the_speed_settings(monkeypatch):
    inside = []

    @contextlib.contextmanager
    def recording():
        inside.append(True)
        try:
            yield
        finally:
            inside.append(False)

    monkeypatch.setattr(runtime, "speed_settings", recording)
    model = Sequential([L.Input(shape=(3,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    seen = []
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_end=lambda b, l: seen.append(inside[-1]))])
    assert seen and all(seen) and inside[-1] is False
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert inside == [True, False] * 3
