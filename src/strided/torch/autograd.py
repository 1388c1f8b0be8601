"""`torch.autograd`: `grad` of outputs with respect to inputs, `no_grad`, `Function`'s name, `Variable`.

The tape is strided's (`strided.autograd`); `grad` runs one backward pass and reads the
inputs' gradients without leaving them in `.grad`.
"""

from strided.torch._grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: F401
from strided.torch._legacy import Variable  # noqa: F401  (PyTorch < 0.4's wrapper: now a tensor)
from strided.torch._tensor import wrap_array


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) as a tuple of tensors (first derivatives only)."""
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    saved = [i._node.grad for i in inputs]
    for i in inputs:
        i._node.grad = None
    try:
        for index, output in enumerate(outputs):
            upstream = None if grad_outputs is None else grad_outputs[index]
            output.backward(upstream, retain_graph=retain_graph)
        results = []
        for i in inputs:
            if i._node.grad is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            results.append(None if i._node.grad is None else wrap_array(i._node.grad))
    finally:
        for i, g in zip(inputs, saved):
            i._node.grad = g
    return tuple(results)
