"""Finite-difference gradient checking: does an op's backward agree with its forward?

`gradcheck(fn, inputs)` compares the analytic gradients from `backward()` with central
differences (f(x + h) - f(x - h)) / 2h computed in float64, as PyTorch's
`torch.autograd.gradcheck`. Users can run it on their own Functions.
"""

import numpy as np

from strided.autograd.tensor import Tensor


def numerical_gradient(fn, arrays, grad_output, eps=1e-6):
    """Central-difference estimate of d(sum(fn(*arrays) * grad_output))/d(each array)."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        flat, flat_grad = array.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = _value(fn, arrays, grad_output)
            flat[i] = original - eps
            minus = _value(fn, arrays, grad_output)
            flat[i] = original
            flat_grad[i] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def _value(fn, arrays, grad_output):
    out = fn(*[Tensor(a, dtype=np.float64) for a in arrays])
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * grad_output))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Check `fn`'s analytic gradients against finite differences, in float64.

    Args:
        fn: a function of Tensors returning one Tensor (e.g. `lambda x, w: ops.conv(x, w)`).
        inputs: arrays (or Tensors) at which to check; they are copied to float64.
        eps, atol, rtol: step and tolerances, as `torch.autograd.gradcheck`.
        raise_exception: raise `AssertionError` on mismatch (else return False).

    Returns:
        True when every gradient matches.

    Also checks, like PyTorch, that a zero upstream gradient gives zero gradients and that
    two backward runs agree.

    Example:
        >>> from strided import ops
        >>> gradcheck(lambda x: ops.tanh(x), [np.random.randn(3, 4)])
        True
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64, order="C") for x in inputs]
    rng = np.random.default_rng(seed)
    probe = fn(*[Tensor(a, dtype=np.float64) for a in arrays])
    grad_output = rng.standard_normal(probe.shape)

    analytic = _analytic(fn, arrays, grad_output)
    numeric = numerical_gradient(fn, arrays, grad_output, eps)
    problems = []
    for index, (a, n) in enumerate(zip(analytic, numeric)):
        if a.shape != n.shape:
            problems.append(f"input {index}: gradient shape {a.shape}, expected {n.shape}")
        elif not np.allclose(a, n, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
            problems.append(
                f"input {index}: analytic and numerical gradients differ; largest gap at "
                f"{tuple(int(i) for i in worst)}: analytic {a[worst]:.6g}, numerical {n[worst]:.6g}"
            )
    again = _analytic(fn, arrays, grad_output)
    if not all(np.array_equal(a, b) for a, b in zip(analytic, again)):
        problems.append("two backward runs gave different gradients")
    zero = _analytic(fn, arrays, np.zeros_like(grad_output))
    if any(np.any(z != 0) for z in zero):
        problems.append("a zero upstream gradient gave non-zero input gradients")
    if problems:
        if raise_exception:
            raise AssertionError("gradcheck failed:\n  " + "\n  ".join(problems))
        return False
    return True


def _analytic(fn, arrays, grad_output):
    tensors = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    out = fn(*tensors)
    out.backward(grad_output)
    return [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]
