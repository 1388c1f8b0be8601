"""SGD with momentum, dampening, Nesterov and weight decay (PyTorch's algorithm):

    g = grad (+ weight_decay * p)
    buf = g on the first step, then momentum * buf + (1 - dampening) * g
    g = g + momentum * buf (nesterov) or buf
    p -= lr * g
"""

import numpy as np

from strided.torch._tensor import wrap_array
from strided.torch.optim._blocks import update_in_blocks
from strided.torch.optim.optimizer import Optimizer, check, required


class SGD(Optimizer):
    """Stochastic gradient descent.

    Example:
        >>> optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required:
            check("learning rate", lr, lr >= 0.0)
        check("momentum value", momentum, momentum >= 0.0)
        check("weight_decay value", weight_decay, weight_decay >= 0.0)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, param, grad, state, group):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        d_p = -grad if group["maximize"] else grad
        if weight_decay != 0:
            d_p = d_p + weight_decay * param
        if momentum == 0:
            update_in_blocks(_plain_step, [param, d_p], lr)
            return
        buffer = state.get("momentum_buffer")
        if buffer is None:
            state["momentum_buffer"] = wrap_array(np.array(d_p, copy=True))
            update_in_blocks(_first_momentum_step, [param, d_p], momentum, lr, group["nesterov"])
        else:
            update_in_blocks(_momentum_step, [param, d_p, buffer._node.data], momentum, 1 - group["dampening"], lr,
                             group["nesterov"])


def _plain_step(param, d_p, scratch, lr):
    np.multiply(d_p, lr, out=scratch)  # p -= lr g
    param -= scratch


def _first_momentum_step(param, d_p, scratch, momentum, lr, nesterov):
    """The first step: the buffer is g itself."""
    if nesterov:  # p -= lr (g + momentum buf)
        np.multiply(d_p, momentum, out=scratch)
        scratch += d_p
        scratch *= lr
    else:
        np.multiply(d_p, lr, out=scratch)
    param -= scratch


def _momentum_step(param, d_p, buffer, scratch, momentum, keep, lr, nesterov):
    """buf = momentum buf + (1 - dampening) g;  p -= lr (g + momentum buf) or lr buf."""
    buffer *= momentum
    np.multiply(d_p, keep, out=scratch)
    buffer += scratch
    if nesterov:
        np.multiply(buffer, momentum, out=scratch)
        np.add(d_p, scratch, out=scratch)
        scratch *= lr
    else:
        np.multiply(buffer, lr, out=scratch)
    param -= scratch
