"""Automatic differentiation: Tensor, Function, the tape, no_grad and gradcheck."""

from strided.autograd.function import Function
from strided.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from strided.autograd.gradcheck import gradcheck, numerical_gradient
from strided.autograd.tensor import Tensor
from strided.autograd.variable import Variable

__all__ = [
    "Function", "Tensor", "Variable", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled",
    "gradcheck", "numerical_gradient",
]
