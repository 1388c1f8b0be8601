"""Keras behaviours strided must share, each checked against real Keras 3 on the same program:
evaluate() uses a subclassed model's compute_loss, and summary() counts the optimizer's
variables (iteration and learning rate) as Keras does after fit()."""

import re

import keras
import numpy as np
import pytest

import strided


def _program(lib, optimizer):
    """The same small program written against `lib` (keras or strided)."""

    class SquaredErrorModel(lib.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return lib.ops.mean(lib.ops.square(y_pred - y)) * 3.0

    inputs = lib.Input((3,))
    outputs = lib.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")(inputs)
    model = SquaredErrorModel(inputs, outputs)
    model.compile(optimizer=optimizer)  # no loss: compute_loss is the loss
    return model


X = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
Y = np.arange(16, dtype=np.float32).reshape(8, 2) / 10


def test_evaluate_uses_the_overridden_compute_loss():
    expected = _program(keras, "sgd").evaluate(X, Y, verbose=0)
    actual = _program(strided, "sgd").evaluate(X, Y, verbose=0)
    assert expected > 0
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_fit_then_evaluate_with_compute_loss_matches_keras():
    results = []
    for lib in (keras, strided):
        model = _program(lib, lib.optimizers.SGD(learning_rate=0.05))
        history = model.fit(X, Y, epochs=3, batch_size=4, shuffle=False, verbose=0)
        results.append((history.history["loss"], model.evaluate(X, Y, verbose=0)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5)


def _summary_totals(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    return {key: value for key, value in re.findall(r"(\w[\w ]*? params): ([\d,]+ \([\d.]+ \w+\))", text)}


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_summary_optimizer_params_after_fit_match_keras(optimizer):
    totals = []
    for lib in (keras, strided):
        model = _program(lib, optimizer)
        model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
        totals.append(_summary_totals(model))
    assert "Optimizer params" in totals[0]
    assert totals[1] == totals[0]


def test_summary_with_a_schedule_has_no_learning_rate_variable():
    totals = []
    for lib in (keras, strided):
        schedule = lib.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
        model = _program(lib, lib.optimizers.SGD(learning_rate=schedule))
        model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
        totals.append(_summary_totals(model))
    assert totals[1] == totals[0]



def _reconstruction_model(lib):
    """An autoencoder-style model: no y at all, the loss compares the output with x."""

    class Reconstruction(lib.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return lib.ops.mean(lib.ops.square(y_pred - x))

    inputs = lib.Input((3,))
    model = Reconstruction(inputs, lib.layers.Dense(3, kernel_initializer="ones")(inputs))
    model.compile(optimizer="sgd")
    return model


def test_compute_loss_without_targets_matches_keras():
    results = []
    for lib in (keras, strided):
        model = _reconstruction_model(lib)
        before = model.evaluate(X, verbose=0)
        history = model.fit(X, epochs=2, batch_size=4, shuffle=False, verbose=0)
        results.append([before, *history.history["loss"]])
    assert results[0][0] > 0
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5)
