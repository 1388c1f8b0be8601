"""RMSprop, Adagrad and Adadelta, each as PyTorch's single-tensor algorithm.

RMSprop:  v = alpha v + (1 - alpha) g^2;  p -= lr g / (sqrt(v [- mean_g^2]) + eps)  (or via a momentum buffer)
Adagrad:  s += g^2;  p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
Adadelta: v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho u + (1 - rho) d^2;  p -= lr d
"""

import numpy as np

from strided.torch.optim._blocks import update_in_blocks
from strided.torch.optim.optimizer import Optimizer, check, new_state, step_tensor


class RMSprop(Optimizer):
    """RMSprop (default lr 0.01, alpha 0.99), optionally centered and with momentum."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check("learning rate", lr, lr >= 0.0)
        check("epsilon value", eps, eps >= 0.0)
        check("momentum value", momentum, momentum >= 0.0)
        check("weight_decay value", weight_decay, weight_decay >= 0.0)
        check("alpha value", alpha, alpha >= 0.0)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = step_tensor()
            state["square_avg"] = new_state(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = new_state(param)
            if group["centered"]:
                state["grad_avg"] = new_state(param)
        alpha, eps, weight_decay, momentum = group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
        grad = -grad if group["maximize"] else grad
        state["step"]._node.data += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg = state["square_avg"]._node.data
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if group["centered"]:
            grad_avg = state["grad_avg"]._node.data
            grad_avg += (1 - alpha) * (grad - grad_avg)
            average = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            average = np.sqrt(square_avg)
        average += eps
        if momentum > 0:
            buffer = state["momentum_buffer"]._node.data
            buffer *= momentum
            buffer += grad / average
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (grad / average)


class Adagrad(Optimizer):
    """Adagrad: per-element learning rates from the sum of squared gradients (state made at construction)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check("learning rate", lr, lr >= 0.0)
        check("lr_decay value", lr_decay, lr_decay >= 0.0)
        check("weight_decay value", weight_decay, weight_decay >= 0.0)
        check("initial_accumulator_value value", initial_accumulator_value, initial_accumulator_value >= 0.0)
        check("epsilon value", eps, eps >= 0.0)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param]["step"] = step_tensor()
                self.state[param]["sum"] = new_state(param._node.data, group["initial_accumulator_value"])

    def _update(self, param, grad, state, group):
        step = state["step"]._node.data
        step += 1
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (float(step) - 1) * group["lr_decay"])
        total = state["sum"]._node.data
        total += grad * grad
        param -= clr * (grad / (np.sqrt(total) + group["eps"]))


class Adadelta(Optimizer):
    """Adadelta (default lr 1.0, rho 0.9, eps 1e-6): the PyTorch MNIST example's optimizer."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check("learning rate", lr, lr >= 0.0)
        check("rho value", rho, 0.0 <= rho <= 1.0)
        check("epsilon value", eps, eps >= 0.0)
        check("weight_decay value", weight_decay, weight_decay >= 0.0)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = step_tensor()
            state["square_avg"] = new_state(param)
            state["acc_delta"] = new_state(param)
        rho, eps = group["rho"], group["eps"]
        state["step"]._node.data += 1
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        arrays = [param, grad, state["square_avg"]._node.data, state["acc_delta"]._node.data]
        update_in_blocks(_adadelta_step, arrays, rho, eps, group["lr"], temporaries=2)


def _adadelta_step(param, grad, square_avg, acc_delta, delta, scratch, rho, eps, lr):
    """One Adadelta step on (blocks of) the arrays, in place."""
    np.multiply(grad, grad, out=scratch)  # v = rho v + (1 - rho) g^2
    scratch *= 1 - rho
    square_avg *= rho
    square_avg += scratch
    np.add(acc_delta, eps, out=delta)  # d = sqrt(u + eps) / sqrt(v + eps) * g
    np.sqrt(delta, out=delta)
    np.add(square_avg, eps, out=scratch)
    np.sqrt(scratch, out=scratch)
    delta /= scratch
    delta *= grad
    np.multiply(delta, delta, out=scratch)  # u = rho u + (1 - rho) d^2
    scratch *= 1 - rho
    acc_delta *= rho
    acc_delta += scratch
    np.multiply(delta, lr, out=scratch)  # p -= lr d
    param -= scratch
