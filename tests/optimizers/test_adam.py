import numpy as np
import pytest
import torch
from optimizer_oracle import compare_with_reference, compare_with_torch_optimizer

import strided
from strided.optimizers import Adam, AdamW


def keras_adam(lr, b1, b2, eps, amsgrad=False, weight_decay=None):
    """A transcription of keras/src/optimizers/adam.py (+ base_optimizer weight decay)."""

    def step(weights, grads, state, t):
        for i, (w, g) in enumerate(zip(weights, grads)):
            m, v, vh = state.setdefault(i, [np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)])
            if weight_decay:
                w -= w * weight_decay * lr
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            if amsgrad:
                vh[...] = np.maximum(vh, v)
                used = vh
            else:
                used = v
            w -= m * alpha / (np.sqrt(used) + eps)

    return step


def test_defaults_match_keras():
    opt = Adam()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad) == (
        0.001, 0.9, 0.999, 1e-7, False)
    assert AdamW().weight_decay == 0.004


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_follows_keras_formula(amsgrad):
    compare_with_reference(Adam(0.01, amsgrad=amsgrad),
                           keras_adam(0.01, 0.9, 0.999, 1e-7, amsgrad), steps=8)


def test_adam_float32_follows_keras_formula():
    compare_with_reference(Adam(0.01), keras_adam(0.01, 0.9, 0.999, 1e-7), dtype=np.float32,
                           atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_torch_when_epsilon_is_zero(amsgrad):
    # Keras adds epsilon before the bias correction of v, torch after; with eps=0 they agree.
    compare_with_torch_optimizer(
        Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=0.0, amsgrad=amsgrad),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=0.0, amsgrad=amsgrad),
        steps=8,
    )


def test_adam_epsilon_placement_differs_from_torch():
    w_keras = strided.Variable(np.zeros(1), dtype=np.float64)
    Adam(1.0, epsilon=1e-1).apply([np.array([1e-3])], [w_keras])
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    torch_opt = torch.optim.Adam([p], lr=1.0, eps=1e-1)
    p.grad = torch.tensor([1e-3], dtype=torch.float64)
    torch_opt.step()
    # Keras: eps_hat = eps; torch's eps is eps_hat / sqrt(1 - b2): a clearly different step.
    assert abs(w_keras.numpy()[0] - p.item()) > 1e-3


def test_adamw_matches_torch_when_epsilon_is_zero():
    compare_with_torch_optimizer(
        AdamW(0.01, weight_decay=0.1, epsilon=0.0),
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0),
        steps=8,
    )


def test_adamw_follows_keras_formula():
    compare_with_reference(AdamW(0.02), keras_adam(0.02, 0.9, 0.999, 1e-7, weight_decay=0.004))


def test_bad_betas():
    with pytest.raises(ValueError, match="beta_1"):
        Adam(beta_1=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=None)


def test_config_round_trip():
    opt = AdamW(learning_rate=0.003, weight_decay=0.01, amsgrad=True, global_clipnorm=2.0)
    again = AdamW.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    assert set(Adam().get_config()) >= {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"}
