"""The Function contract: a Function computes its own backward from what it saved, and no
Function changes another (fusions are single Functions made by models/fusion.py)."""

import numpy as np
import pytest

import strided
from strided import layers, ops
from strided.autograd import Tensor


def cnn():
    """Conv2D(relu) -> MaxPooling2D (fused by models.fusion), a second conv feeding a pool with
    padding="same" (not fused: conv then pool as two Functions), BatchNorm -> ReLU (fused)."""
    strided.utils.set_random_seed(3)
    return strided.Sequential([
        layers.Input(shape=(10, 10, 2)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(4, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2, padding="same"),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Flatten(),
        layers.Dense(3),
    ])


def functions_of(output):
    """Every Function on the tape that made `output`."""
    found, stack, seen = [], [output], set()
    while stack:
        tensor = stack.pop()
        function = tensor._creator
        if function is None or id(function) in seen:
            continue
        seen.add(id(function))
        found.append(function)
        stack.extend(function.inputs)
    return found


def state(function):
    """A Function's attributes, by identity (an attribute rebound shows as a new object)."""
    return {name: id(value) for name, value in vars(function).items()}


def loss_of(model, x, upstream):
    return ops.sum(model(Tensor(x), training=True) * upstream)


@pytest.mark.parametrize("fusion", [True, False])
def test_no_function_changes_another_during_backward(fusion, monkeypatch):
    before = strided.fusion_enabled()
    strided.set_fusion(fusion)
    try:
        model = cnn()
        rng = np.random.default_rng(0)
        x, upstream = rng.standard_normal((4, 10, 10, 2)).astype("float32"), rng.standard_normal((4, 3))
        loss = loss_of(model, x, upstream)
        functions = functions_of(loss)
        names = {type(f).__name__ for f in functions}
        assert "MaxPool" in names and "Conv2D" in names  # the unfused conv -> pool pair
        assert ("ConvReluMaxPool" in names) == fusion  # the fused pair, one Function
        changed = []
        originals = {}
        for function in functions:
            cls = type(function)
            if cls in originals:
                continue
            originals[cls] = cls.backward

            def checked(self, gy, _original=cls.backward):
                others = {id(f): state(f) for f in functions if f is not self}
                result = _original(self, gy)
                changed.extend(
                    f"{type(self).__name__}.backward changed {type(f).__name__}"
                    for f in functions if f is not self and state(f) != others[id(f)]
                )
                return result

            monkeypatch.setattr(cls, "backward", checked)
        loss.backward()
        assert not changed, changed
    finally:
        strided.set_fusion(before)


def test_fused_and_unfused_models_give_the_same_gradients():
    rng = np.random.default_rng(1)
    x, upstream = rng.standard_normal((4, 10, 10, 2)).astype("float32"), rng.standard_normal((4, 3))
    grads = []
    before = strided.fusion_enabled()
    try:
        for fusion in (True, False):
            strided.set_fusion(fusion)
            model = cnn()
            loss_of(model, x, upstream).backward()
            grads.append([w.grad for w in model.trainable_weights])
    finally:
        strided.set_fusion(before)
    for fused, plain in zip(*grads):
        np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-5)


def test_a_tensor_keeps_no_count_of_its_consumers():
    """Nothing may decide a backward by how many ops read a tensor: that count was never
    decremented (a tensor reused after backward kept its old readers)."""
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    ops.relu(x)
    ops.relu(x)
    assert "_consumers" not in vars(x)


def test_max_pool_backward_reads_only_what_it_saved():
    """MaxPool's gradient after a fused-ReLU conv routes the upstream gradient to the winners;
    the conv applies its own ReLU mask (a dead winner gets 0 from the conv, not from the pool)."""
    x = Tensor(np.array([[[[-1.0], [-2.0]], [[-3.0], [-4.0]]]]), requires_grad=True)  # all < 0
    kernel = Tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
    z = ops.conv_bias_activation(x, kernel, None, "relu")
    pooled = ops.max_pool(z, 2)
    pooled.backward(np.ones((1, 1, 1, 1)))
    assert np.all(x.grad == 0) and np.all(kernel.grad == 0)  # relu'(z) = 0 everywhere
