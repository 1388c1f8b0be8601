"""The training pieces together on a real tape: softmax regression learns a separable problem."""

import numpy as np
import pytest

import strided
from strided import losses, metrics, ops, optimizers


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adamw", "adagrad"])
def test_softmax_regression_learns(optimizer):
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 5)) * 3
    labels = rng.integers(0, 3, 300)
    x = (centers[labels] + rng.standard_normal((300, 5))).astype(np.float32)
    kernel = strided.Variable(np.zeros((5, 3), np.float32), name="kernel")
    bias = strided.Variable(np.zeros(3, np.float32), name="bias")
    opt = optimizers.get(optimizer)
    opt.learning_rate = 0.1
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = metrics.get("accuracy", loss="sparse_categorical_crossentropy")
    first_loss = None
    for _epoch in range(20):
        accuracy.reset_state()
        for start in range(0, 300, 50):
            xb, yb = x[start:start + 50], labels[start:start + 50]
            logits = ops.matmul(strided.Tensor(xb), kernel) + bias
            loss = loss_fn(yb, logits)
            loss.backward()
            opt.apply([kernel.grad, bias.grad], [kernel, bias])
            kernel.zero_grad()
            bias.zero_grad()
            accuracy.update_state(yb, logits.numpy())
            first_loss = float(loss) if first_loss is None else first_loss
    assert float(loss) < 0.5 * first_loss
    assert accuracy.result() > 0.9
    assert kernel.dtype == np.float32 and opt.iterations == 120
