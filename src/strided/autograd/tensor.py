"""`Tensor`: a NumPy array that remembers how it was made, so it can be differentiated.

Define-by-run, as in Chainer and PyTorch: every op on Tensors records its `Function`
(`tensor._creator`) and that Function records its inputs. `backward()` walks that tape in
reverse topological order, seeds the output with ones and *accumulates* (`+=`) each
vector-Jacobian product into the inputs, so a tensor used twice (a residual connection)
receives the sum of both gradients.

Arithmetic operators (`+ - * / @`, indexing, `.sum()` ...) are attached by `strided.ops`
(`ops.install_tensor_methods`), which keeps this file free of any op.
"""

import numpy as np

from strided import _config


def _as_array(data, dtype):
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data  # an array keeps its dtype, as in NumPy, PyTorch and Keras' ops
    array = np.asarray(data)
    if array.dtype.kind in "fc" or array.dtype == object:
        return array.astype(_config.floatx())
    if array.dtype.kind == "b" or array.ndim == 0 and array.dtype.kind in "iu":
        return array.astype(_config.floatx()) if array.dtype.kind != "b" else array
    return array


class Tensor:
    """An n-dimensional array with an optional gradient.

    Args:
        data: array-like. Python numbers and lists become `floatx()` (float32); a NumPy
            array keeps its dtype (layers cast their inputs to float32 themselves).
        requires_grad: whether `backward()` should fill `.grad` for this tensor.
        dtype: an explicit NumPy dtype (e.g. "float64" for gradient checks).

    Example:
        >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        array([[2., 4.]], dtype=float32)
    """

    __array_priority__ = 1000  # so `ndarray + Tensor` calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None, name=None, _copy=True):
        self.data = _as_array(data, dtype) if _copy else data
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.name = name
        self._creator = None
        self._freed = False  # True once backward() has released the op that made this tensor

    # ----------------------------------------------------------------- array facts
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self):
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self):
        return float(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{grad})"

    # ------------------------------------------------------------------- the tape
    @property
    def is_leaf(self):
        return self._creator is None

    def detach(self):
        """The same values, cut from the tape."""
        return Tensor(self.data, _copy=False)

    def zero_grad(self):
        self.grad = None

    def backward(self, grad=None, retain_graph=False, hooks=None):
        """Fill `.grad` of every leaf tensor that requires it with d(self)/d(leaf).

        Args:
            grad: the upstream gradient; defaults to ones (a scalar loss).
            retain_graph: keep the tape so backward can run again.
            hooks: optional object with `leaf_ready(tensor)` (called once a leaf's `.grad` is
                final: every path to it is done) and `step()` (called after each Function's
                backward): data-parallel training starts summing gradients over the processes
                while the backward pass goes on (`models.replica`).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: no input had "
                "requires_grad=True, or it was computed inside no_grad()."
            )
        if self._freed:
            raise RuntimeError(_SECOND_BACKWARD)
        if grad is None:
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {grad.shape} does not match tensor shape {self.shape}"
                )
        grads = {id(self): grad}
        order = _topological_order(self)
        # with hooks, a leaf's gradient is final as soon as the last Function using it has run
        # (its place in `order` may come much later): count the uses still to come
        uses = _leaf_uses(order) if hooks is not None else None
        for node in order:
            node_grad = grads.pop(id(node), None)
            if node.is_leaf:
                if node._freed:
                    raise RuntimeError(_SECOND_BACKWARD)
                if node_grad is not None:
                    _accumulate_leaf(node, node_grad)
                    if hooks is not None:
                        hooks.leaf_ready(node)
                continue
            if node_grad is None:
                continue
            function = node._creator
            input_grads = function.backward(node_grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if len(input_grads) != len(function.inputs):
                raise RuntimeError(
                    f"{function.name}.backward returned {len(input_grads)} gradients for "
                    f"{len(function.inputs)} inputs"
                )
            for parent, parent_grad in zip(function.inputs, input_grads):
                if uses is not None and parent.is_leaf and id(parent) in uses:
                    uses[id(parent)] -= 1
                if parent_grad is None or not parent.requires_grad:
                    if uses is not None and uses.get(id(parent)) == 0:
                        _leaf_done(parent, grads, hooks)
                    continue
                if parent_grad.shape != parent.shape:
                    raise RuntimeError(
                        f"{function.name}.backward returned a gradient of shape "
                        f"{parent_grad.shape} for an input of shape {parent.shape}"
                    )
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + parent_grad
                else:
                    grads[key] = parent_grad
                if uses is not None and uses.get(key) == 0:
                    _leaf_done(parent, grads, hooks)
            if not retain_graph:
                node._creator = None  # free the tape as we go
                node._freed = True
            if hooks is not None:
                hooks.step()


_SECOND_BACKWARD = (
    "backward() through a part of the graph that an earlier backward() already freed. "
    "Pass retain_graph=True to the first backward() to run it again."
)


def _leaf_uses(order):
    """{id(leaf): how many Function inputs in `order` are that leaf} (leaves needing grad)."""
    uses = {}
    for node in order:
        if node._creator is not None:
            for parent in node._creator.inputs:
                if parent.is_leaf and parent.requires_grad:
                    uses[id(parent)] = uses.get(id(parent), 0) + 1
    return uses


def _leaf_done(leaf, grads, hooks):
    """Every use of `leaf` has sent its gradient: add it to `.grad` now and tell the hooks (the
    leaf's own place in the order then finds nothing left to add)."""
    if leaf._freed:
        raise RuntimeError(_SECOND_BACKWARD)
    grad = grads.pop(id(leaf), None)
    if grad is not None:
        _accumulate_leaf(leaf, grad)
        hooks.leaf_ready(leaf)


def _accumulate_leaf(tensor, grad):
    if grad.dtype != tensor.dtype:
        grad = grad.astype(tensor.dtype)
    if tensor.grad is None:
        tensor.grad = np.array(grad, copy=True)
    else:
        tensor.grad += grad


def _topological_order(root):
    """Tensors reachable from `root`, each after every tensor that uses it (iterative DFS)."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._creator is not None:
            for parent in node._creator.inputs:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order
