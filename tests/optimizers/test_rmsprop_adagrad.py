import numpy as np
import pytest
import torch
from optimizer_oracle import compare_with_reference, compare_with_torch_optimizer

import strided
from strided.optimizers import Adagrad, RMSprop


def keras_rmsprop(lr, rho, momentum, eps, centered):
    def step(weights, grads, state, t):
        for i, (w, g) in enumerate(zip(weights, grads)):
            v, a, m = state.setdefault(i, [np.zeros_like(w) for _ in range(3)])
            v[...] = rho * v + (1 - rho) * g * g
            if centered:
                a[...] = rho * a + (1 - rho) * g
                denominator = v - a * a + eps
            else:
                denominator = v + eps
            increment = lr * g / np.sqrt(denominator)
            if momentum > 0:
                m[...] = momentum * m + increment
                w -= m
            else:
                w -= increment

    return step


def test_rmsprop_defaults_match_keras():
    opt = RMSprop()
    assert (opt.learning_rate, opt.rho, opt.momentum, opt.epsilon, opt.centered) == (
        0.001, 0.9, 0.0, 1e-7, False)


def test_rmsprop_keras_docstring_example():
    w = strided.Variable([10.0])
    RMSprop(learning_rate=0.1).apply([np.array([10.0], np.float32)], [w])
    assert w.numpy()[0] == pytest.approx(9.683772, abs=1e-5)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.9, False), (0.0, True), (0.5, True)])
def test_rmsprop_follows_keras_formula(momentum, centered):
    compare_with_reference(RMSprop(0.01, momentum=momentum, centered=centered),
                           keras_rmsprop(0.01, 0.9, momentum, 1e-7, centered), steps=8)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.9, False), (0.0, True), (0.5, True)])
def test_rmsprop_matches_torch_when_epsilon_is_zero(momentum, centered):
    # torch: sqrt(v) + eps, Keras: sqrt(v + eps). Equal for eps = 0; torch alpha is Keras rho.
    compare_with_torch_optimizer(
        RMSprop(0.01, rho=0.9, momentum=momentum, epsilon=0.0, centered=centered),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0, momentum=momentum,
                                      centered=centered),
        steps=8, rtol=1e-8,
    )


def test_adagrad_defaults_match_keras():
    opt = Adagrad()
    assert (opt.learning_rate, opt.initial_accumulator_value, opt.epsilon) == (0.001, 0.1, 1e-7)


def test_adagrad_follows_keras_formula():
    def step(weights, grads, state, t):
        for i, (w, g) in enumerate(zip(weights, grads)):
            acc = state.setdefault(i, np.full_like(w, 0.1))
            acc += g * g
            w -= 0.05 * g / np.sqrt(acc + 1e-7)

    compare_with_reference(Adagrad(0.05), step)


def test_adagrad_matches_torch_when_epsilon_is_zero():
    compare_with_torch_optimizer(
        Adagrad(0.05, initial_accumulator_value=0.1, epsilon=0.0),
        lambda p: torch.optim.Adagrad(p, lr=0.05, initial_accumulator_value=0.1, eps=0.0),
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="rho"):
        RMSprop(rho=1.5)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        Adagrad(initial_accumulator_value=-1.0)


def test_config_round_trip():
    for opt in (RMSprop(0.01, momentum=0.2, centered=True), Adagrad(0.2, epsilon=1e-5)):
        assert type(opt).from_config(opt.get_config()).get_config() == opt.get_config()
