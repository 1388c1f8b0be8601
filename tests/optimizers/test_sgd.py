import numpy as np
import pytest
import torch
from optimizer_oracle import compare_with_reference, compare_with_torch_optimizer

import strided
from strided.optimizers import SGD


def test_defaults_match_keras():
    opt = SGD()
    assert opt.learning_rate == 0.01 and opt.momentum == 0.0 and opt.nesterov is False
    assert opt.name == "sgd"  # Keras 3: the class name in snake case


def test_plain_sgd_matches_torch():
    compare_with_torch_optimizer(SGD(learning_rate=0.1), lambda p: torch.optim.SGD(p, lr=0.1))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_torch_for_constant_learning_rate(nesterov):
    # Keras: velocity = m * velocity - lr * g; torch: buf = m * buf + g, w -= lr * buf.
    # velocity == -lr * buf while lr is constant, so the weights agree.
    compare_with_torch_optimizer(
        SGD(learning_rate=0.05, momentum=0.9, nesterov=nesterov),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=nesterov),
        steps=10,
    )


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_follows_keras_formula(nesterov):
    lr, mu = 0.03, 0.8

    def keras_step(weights, grads, state, t):
        for i, (w, g) in enumerate(zip(weights, grads)):
            v = state.setdefault(i, np.zeros_like(w))
            v[...] = mu * v - lr * g
            w += (mu * v - lr * g) if nesterov else v

    compare_with_reference(SGD(lr, momentum=mu, nesterov=nesterov), keras_step)


def test_float32_stays_float32_and_in_place():
    w = strided.Variable(np.ones((4, 4), np.float32))
    buffer = w.data
    opt = SGD(0.1, momentum=0.9, nesterov=True)
    for _ in range(3):
        opt.apply([np.full((4, 4), 0.5, np.float32)], [w])
    assert w.data is buffer and w.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.variables[1:])


@pytest.mark.parametrize("momentum", [-0.1, 1.5, "0.9"])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=momentum)


def test_config_round_trip():
    opt = SGD(learning_rate=0.2, momentum=0.5, nesterov=True, clipnorm=1.0)
    again = SGD.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
