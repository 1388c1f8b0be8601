"""The tape itself: accumulation on shared nodes, broadcasting, no_grad, retain_graph, errors,
gradcheck's ability to catch a wrong backward, dtype preservation and Variable."""

import numpy as np
import pytest
import torch

from strided import ops
from strided.autograd import (
    Function,
    Tensor,
    Variable,
    enable_grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
)


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True, dtype=dtype)


# ----------------------------------------------------------- accumulation (fan-out)
def test_tensor_used_twice_receives_both_gradients():
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()  # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_allclose(x.grad, [3.0, -3.0, 7.0])


def test_residual_connection_matches_torch(rng):
    x0, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    x, w = leaf(x0), leaf(w0)
    y = ops.exp(ops.matmul(x, w) * 0.1) + x  # y = f(x) + x
    (y * y).sum().backward()
    tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    ty = torch.exp(tx @ tw * 0.1) + tx
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-10)


def test_diamond_graph_visits_shared_intermediate_once(rng):
    x0 = rng.standard_normal(5)
    x = leaf(x0)
    a = x * 2.0  # a feeds b, c and the output: each path must be counted exactly once
    b = a * 3.0
    c = ops.square(a) + b
    (c + a).sum().backward()
    # d/dx (4x^2 + 6x + 2x) = 8x + 8
    np.testing.assert_allclose(x.grad, 8 * x0 + 8)


def test_deep_chain_does_not_recurse():
    x = leaf([1.0])
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0])


def test_leaf_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


# ------------------------------------------------------------------ broadcasting
def test_bias_gradient_is_summed_over_broadcast_axes(rng):
    images, bias0 = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal(5)
    x, bias = leaf(images), leaf(bias0)
    upstream = rng.standard_normal((2, 3, 4, 5))
    (x + bias).backward(upstream)
    assert bias.grad.shape == (5,)
    np.testing.assert_allclose(bias.grad, upstream.sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(x.grad, upstream)


def test_stretched_axis_of_size_one_is_summed_with_keepdims(rng):
    scale = leaf(rng.standard_normal((2, 1, 1, 3)))
    upstream = rng.standard_normal((2, 4, 4, 3))
    (scale * np.ones((2, 4, 4, 3))).backward(upstream)
    np.testing.assert_allclose(scale.grad, upstream.sum(axis=(1, 2), keepdims=True))


# ---------------------------------------------------------------------- no_grad
def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2.0 + 1.0
        with enable_grad():
            z = x * 2.0
    assert is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and not z.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()


def test_detach_cuts_the_tape():
    x = leaf([1.0, 2.0])
    y = (x * 2.0).detach()
    assert not y.requires_grad and y.is_leaf


# ---------------------------------------------------------------- retain_graph
def test_backward_twice_with_retain_graph_accumulates():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_backward_frees_the_tape_without_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    assert y.is_leaf  # the creator link is dropped, so the intermediate arrays can be freed


def test_second_backward_through_a_freed_tape_raises_like_torch():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()  # torch: "Trying to backward through the graph a second time"


# ------------------------------------------------------------------------ errors
def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(
        RuntimeError, match="backward\\(\\) called on a tensor that does not require grad"
    ):
        Tensor([1.0, 2.0]).sum().backward()


def test_backward_with_a_wrong_gradient_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"gradient shape \(3,\) does not match tensor shape \(2,\)"
    ):
        (x * 2.0).backward(np.ones(3))


class WrongCount(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy  # one gradient for two inputs


class WrongShape(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy.sum(keepdims=True)


def test_a_backward_returning_the_wrong_number_or_shape_of_gradients_is_reported():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"WrongCount\.backward returned 1 gradients for 2 inputs"):
        WrongCount.apply(x, x).sum().backward()
    with pytest.raises(
        RuntimeError,
        match=r"WrongShape.backward returned a gradient of shape \(1,\) for an input of shape \(2,",
    ):
        WrongShape.apply(x).sum().backward()


class RecordsNeeds(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        self.seen = self.needs_input_grad
        return (gy if self.needs_input_grad[0] else None), (
            gy if self.needs_input_grad[1] else None
        )


def test_needs_input_grad_tells_which_inputs_want_gradients():
    x, constant = leaf([1.0]), Tensor([2.0])
    y = RecordsNeeds.apply(x, constant)
    function = y._creator
    y.backward()
    assert function.seen == (True, False)
    assert constant.grad is None and x.grad is not None
    assert RecordsNeeds.apply(Tensor([1.0]), Tensor([1.0])).requires_grad is False


# ------------------------------------------------------------ gradcheck catches bugs
class WrongSquare(Function):
    """x^2 with the factor 2 forgotten in backward."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * self.x


class LeakySquare(Function):
    """x^2 whose backward adds a constant: wrong even when the upstream gradient is 0."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * 2 * self.x + 1e-3


def test_gradcheck_accepts_a_correct_backward(rng):
    assert gradcheck(lambda x: ops.square(x) * 3.0, [rng.standard_normal((2, 3))])


def test_gradcheck_rejects_a_wrong_backward(rng):
    x = rng.standard_normal((2, 3))
    with pytest.raises(AssertionError, match="analytic and numerical gradients differ"):
        gradcheck(WrongSquare.apply, [x])
    assert gradcheck(WrongSquare.apply, [x], raise_exception=False) is False
    with pytest.raises(
        AssertionError, match="a zero upstream gradient gave non-zero input gradients"
    ):
        gradcheck(LeakySquare.apply, [x])


# ------------------------------------------------------------------------ dtypes
def test_float32_stays_float32_through_ops_and_gradients(rng):
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    w = Variable(rng.standard_normal((3, 4)))  # float64 values become floatx (float32)
    assert w.dtype == np.float32
    h = ops.matmul(x, w) + np.ones(4)  # a float64 constant must not upcast
    h = ops.exp(h * 0.5) / 3 - 1.0
    h = ops.reshape(ops.transpose(h), (-1,))[::2] ** 2
    loss = ops.mean(ops.maximum(h, 0.1)) + ops.sum(ops.square(x)) * np.float64(1e-3)
    assert h.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_tensor_dtype_defaults():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.zeros(2, np.float32)).dtype == np.float32
    assert Tensor(np.zeros(2)).dtype == np.float64  # an array keeps its dtype, as in NumPy and torch
    assert Tensor(np.array([1, 2])).dtype.kind == "i"  # labels keep an integer type
    assert Tensor(np.zeros(2), dtype=np.float64).dtype == np.float64


# ---------------------------------------------------------------------- Variable
def test_variable_assign_in_place_and_shape_error():
    v = Variable(np.zeros(3), name="bias")
    data = v.data
    v.assign([1.0, 2.0, 3.0])
    assert v.data is data and v.dtype == np.float32
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError,
        match=r"Variable 'bias': cannot assign a value of shape \(2,\) to a variable of shape \(3,",
    ):
        v.assign([1.0, 2.0])


def test_variable_trainable_controls_requires_grad():
    v = Variable(np.ones(2), trainable=False)
    assert not v.requires_grad
    v.trainable = True
    assert v.requires_grad
    (v * 2.0).sum().backward()
    np.testing.assert_array_equal(v.grad, [2.0, 2.0])
