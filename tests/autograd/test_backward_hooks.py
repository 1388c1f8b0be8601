"""`Tensor.backward(hooks=...)`: a leaf is announced once, as soon as its gradient is final (the
last Function using it has run), which lets data-parallel training sum it while the backward
pass goes on (`models.replica`); the gradients are the same bits as without hooks."""

import numpy as np

from strided import ops
from strided.autograd import Tensor


class Recorder:
    def __init__(self):
        self.steps, self.ready = 0, []

    def leaf_ready(self, tensor):
        self.ready.append((tensor, self.steps, np.array(tensor.grad, copy=True)))

    def step(self):
        self.steps += 1


def network(seed=0):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(5, 4)))
    w1, w2 = Tensor(rng.normal(size=(4, 3)), requires_grad=True), Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    shared = Tensor(rng.normal(size=(2,)), requires_grad=True)  # used twice: early and late
    h = ops.relu(ops.matmul(x, w1) + shared[:1])
    return ops.sum(ops.matmul(h, w2) * shared), (w1, w2, shared)


def test_each_leaf_is_announced_once_with_its_final_gradient_and_the_last_layer_first():
    loss, leaves = network()
    hooks = Recorder()
    loss.backward(hooks=hooks)
    announced = [tensor for tensor, _, _ in hooks.ready]
    assert sorted(map(id, announced)) == sorted(map(id, leaves))
    w1, w2, shared = leaves
    when = {id(tensor): step for tensor, step, _ in hooks.ready}
    assert when[id(w2)] < when[id(w1)] < hooks.steps  # w2 is ready before the first layer's backward
    assert when[id(shared)] > when[id(w2)]  # used by the last layer too, but waits for its first-layer use
    for tensor, _, grad in hooks.ready:
        assert np.array_equal(grad, tensor.grad)  # announced final


def test_the_gradients_are_the_same_bits_with_and_without_hooks():
    loss, leaves = network(1)
    loss.backward()
    plain = [np.array(t.grad) for t in leaves]
    loss, leaves = network(1)
    loss.backward(hooks=Recorder())
    for one, other in zip(plain, (t.grad for t in leaves)):
        assert np.array_equal(one, other)
