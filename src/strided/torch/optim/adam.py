"""Adam and AdamW (PyTorch's single-tensor algorithm):

    m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g^2
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

Weight decay adds wd * p to g (Adam) or multiplies p by (1 - lr * wd) first (AdamW,
decoupled); amsgrad uses the running maximum of v.
"""

import math

import numpy as np

from strided.torch.optim._blocks import update_in_blocks
from strided.torch.optim.optimizer import Optimizer, check, new_state, step_tensor


class Adam(Optimizer):
    """Adam (Kingma & Ba).

    Example:
        >>> optimizer = optim.Adam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check("learning rate", lr, lr >= 0.0)
        check("epsilon value", eps, eps >= 0.0)
        check("beta parameter at index 0", betas[0], 0.0 <= betas[0] < 1.0)
        check("beta parameter at index 1", betas[1], 0.0 <= betas[1] < 1.0)
        check("weight_decay value", weight_decay, weight_decay >= 0.0)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = step_tensor()
            state["exp_avg"] = new_state(param)
            state["exp_avg_sq"] = new_state(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = new_state(param)
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        grad = -grad if group["maximize"] else grad
        step = state["step"]._node.data
        step += 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"]._node.data, state["exp_avg_sq"]._node.data
        t = float(step)
        step_size = lr / (1 - beta1**t)
        correction2_sqrt = math.sqrt(1 - beta2**t)
        arrays = [param, grad, exp_avg, exp_avg_sq]
        if group["amsgrad"]:
            arrays.append(state["max_exp_avg_sq"]._node.data)
        update_in_blocks(_adam_step, arrays, beta1, beta2, eps, step_size, correction2_sqrt)


def _adam_step(param, grad, exp_avg, exp_avg_sq, *rest):
    """One Adam step on (blocks of) the arrays, in place; `rest` is ([max_exp_avg_sq,] scratch,
    beta1, beta2, eps, step_size, correction2_sqrt)."""
    maximum = rest[0] if len(rest) == 7 else None
    scratch, beta1, beta2, eps, step_size, correction2_sqrt = rest[-6:]
    np.subtract(grad, exp_avg, out=scratch)  # m += (1 - beta1) (g - m), PyTorch's lerp
    scratch *= 1 - beta1
    exp_avg += scratch
    exp_avg_sq *= beta2  # v = beta2 v + (1 - beta2) g^2
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - beta2
    exp_avg_sq += scratch
    if maximum is not None:
        np.maximum(maximum, exp_avg_sq, out=maximum)
        np.sqrt(maximum, out=scratch)
    else:
        np.sqrt(exp_avg_sq, out=scratch)
    scratch /= correction2_sqrt  # denominator sqrt(v) / sqrt(1 - beta2^t) + eps
    scratch += eps
    np.divide(exp_avg, scratch, out=scratch)
    scratch *= step_size
    param -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p *= 1 - lr * weight_decay before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
