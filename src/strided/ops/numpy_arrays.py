"""The rest of `keras.ops.numpy`'s array functions: flip, roll, take, einsum, tensordot, norm, ...

Most rearrange or pick elements. Those are one `Gather` Function: the op is applied once to
the *positions* 0..size-1 of the input (`np.flip(np.arange(n).reshape(shape))`, ...), which
says for each output element the input element it copies (-1: a zero, as above a `tril`).
Forward reads `x.ravel()[index]`; backward adds the upstream gradient back at the same
positions (`np.bincount`) -- one readable backward for a dozen ops. The rest are composed
of existing differentiable ops (matmul, sum, sqrt, ...) or have their own small Function.
"""

import builtins

import numpy as np

from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor


class Gather(Function):
    """y = x.ravel()[index] (0 where index == -1); dx = the sum of dy over each position."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.input_shape, self.dtype = x.shape, x.dtype
        flat = np.concatenate([x.ravel(), np.zeros(1, x.dtype)])
        return flat[self.index]

    def backward(self, gy):
        size = int(np.prod(self.input_shape))
        index = np.where(self.index < 0, size, self.index).ravel()
        gx = np.bincount(index, weights=gy.ravel().astype(np.float64), minlength=size + 1)[:size]
        return gx.reshape(self.input_shape).astype(self.dtype, copy=False)


def gather_by(x, rearrange, fill_zero=False):
    """Apply the index-only function `rearrange` to x, differentiably (see the module docstring)."""
    x = as_tensor(x)
    positions = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    if fill_zero:
        index = np.asarray(rearrange(positions + 1)) - 1
    else:
        index = np.asarray(rearrange(positions))
    return Gather.apply(x, index=np.where(index < 0, -1, index) if fill_zero else index)


def flip(x, axis=None):
    return gather_by(x, lambda p: np.flip(p, axis))


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def roll(x, shift, axis=None):
    return gather_by(x, lambda p: np.roll(p, shift, axis))


def rot90(array, k=1, axes=(0, 1)):
    return gather_by(array, lambda p: np.rot90(p, k, axes))


def take(x, indices, axis=None):
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    return gather_by(x, lambda p: np.take(p, indices, axis=axis))


def take_along_axis(x, indices, axis=None):
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    return gather_by(x, lambda p: np.take_along_axis(p, indices, axis=axis))


def diagonal(x, offset=0, axis1=0, axis2=1):
    return gather_by(x, lambda p: np.diagonal(p, offset, axis1, axis2).copy())


def diag(x, k=0):
    return gather_by(x, lambda p: np.diag(p, k), fill_zero=True)


def diagflat(x, k=0):
    return gather_by(x, lambda p: np.diagflat(p, k), fill_zero=True)


def tril(x, k=0):
    return gather_by(x, lambda p: np.tril(p, k), fill_zero=True)


def triu(x, k=0):
    return gather_by(x, lambda p: np.triu(p, k), fill_zero=True)


def ravel(x):
    return gather_by(x, np.ravel)


def broadcast_to(x, shape):
    return gather_by(x, lambda p: np.broadcast_to(p, shape).copy())


def copy(x):
    return gather_by(x, np.copy)


def array(x, dtype=None):
    """A Tensor holding a copy of `x` (keras.ops.array)."""
    from strided.ops.creation import convert_to_tensor

    return convert_to_tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=dtype))


def slice(inputs, start_indices, shape):
    """The block of `shape` starting at `start_indices` (keras.ops.slice)."""
    key = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return gather_by(inputs, lambda p: p[key].copy())


def unstack(x, num=None, axis=0):
    x = as_tensor(x)
    return [gather_by(x, lambda p, i=i: np.take(p, i, axis=axis)) for i in range(x.shape[axis])]


def trace(x, offset=0, axis1=0, axis2=1):
    from strided.ops.reduction import sum as reduce_sum

    return reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


def hstack(xs):
    from strided.ops.joining import concatenate

    xs = [as_tensor(x) for x in xs]
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    """Concatenate along axis 0 (Keras' vstack: 1-D inputs are joined end to end, not stacked)."""
    from strided.ops.joining import concatenate

    return concatenate([as_tensor(x) for x in xs], axis=0)


def append(x1, x2, axis=None):
    from strided.ops.joining import concatenate

    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([as_tensor(x1), as_tensor(x2)], axis=axis)


class CumSum(Function):
    """y = cumsum(x) along an axis; dx = the reversed cumulative sum of dy."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x, axis=self.axis, dtype=x.dtype)

    def backward(self, gy):
        return np.flip(np.cumsum(np.flip(gy, self.axis), axis=self.axis), self.axis)


def cumsum(x, axis=None, dtype=None):
    x = as_tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    result = CumSum.apply(x, axis=axis)
    return result if dtype is None else Tensor(result.data.astype(dtype))


class Product(Function):
    """y = prod(x) over axes; dx = dy * (product of the other elements)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x = x
        self.y = np.prod(x, axis=self.axis, keepdims=True)
        return self.y if self.keepdims else np.squeeze(self.y, self.axis) if self.axis is not None else self.y.reshape(())

    def backward(self, gy):
        gy = gy.reshape(self.y.shape)
        others = np.empty_like(self.x)
        zero = self.x == 0
        np.divide(self.y, self.x, out=others, where=~zero)
        if zero.any():  # product of the others, computed directly where x is 0
            moved = np.moveaxis(self.x, self.axis, -1) if isinstance(self.axis, int) else None
            if moved is None:
                flat = self.x.ravel()
                values = np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)]).reshape(self.x.shape)
                others = np.where(zero, values, others)
            else:
                n = moved.shape[-1]
                excluded = np.stack([np.prod(np.delete(moved, i, axis=-1), axis=-1) for i in range(n)], -1)
                others = np.where(zero, np.moveaxis(excluded, -1, self.axis), others)
        return (gy * others).astype(self.x.dtype, copy=False)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = as_tensor(x)
    if isinstance(axis, (list, tuple)):
        raise NotImplementedError("prod: one axis (or None) is supported. Received: axis={axis}")
    return Product.apply(x, axis=axis, keepdims=keepdims)


class Einsum(Function):
    """y = einsum(subscripts, *operands); each operand's gradient is another einsum."""

    def __init__(self, inputs, output):
        self.subscripts, self.output = inputs, output

    def forward(self, *operands):
        self.operands = operands
        return np.einsum(",".join(self.subscripts) + "->" + self.output, *operands)

    def backward(self, gy):
        grads = []
        for i, (sub, x) in enumerate(zip(self.subscripts, self.operands)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise NotImplementedError("einsum: gradients of repeated subscripts (diagonals) are not supported")
            others = [s for j, s in enumerate(self.subscripts) if j != i]
            operands = [o for j, o in enumerate(self.operands) if j != i]
            known = set("".join(others) + self.output)
            kept = "".join(c for c in sub if c in known)
            g = np.einsum(",".join(others + [self.output]) + "->" + kept, *operands, gy)
            sizes = dict(zip(sub, x.shape))
            g = g.reshape([sizes[c] if c in kept else 1 for c in sub])  # letters summed only here: broadcast
            grads.append(np.broadcast_to(g, x.shape).astype(x.dtype))
        return tuple(grads)


def einsum(subscripts, *operands):
    """Einstein summation, as np.einsum / keras.ops.einsum (no '...' in the subscripts)."""
    operands = [as_tensor(o) for o in operands]
    subscripts = subscripts.replace(" ", "")
    if "..." in subscripts:
        raise NotImplementedError("einsum: '...' is not supported; write the axes out.")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs = subscripts
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = inputs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts for {len(operands)} operands in {subscripts!r}")
    return Einsum.apply(*operands, inputs=inputs, output=output)


def tensordot(x1, x2, axes=2):
    """Sum of products over `axes` of x1 and x2 (np.tensordot), through einsum."""
    a, b = as_tensor(x1), as_tensor(x2)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    axes_a = [d % a.ndim for d in axes_a]
    axes_b = [d % b.ndim for d in axes_b]
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sub_a = [next(letters) for _ in range(a.ndim)]
    sub_b = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(axes_a, axes_b):
        sub_b[j] = sub_a[i]
    out = [c for i, c in enumerate(sub_a) if i not in axes_a] + [c for j, c in enumerate(sub_b) if j not in axes_b]
    return einsum("".join(sub_a) + "," + "".join(sub_b) + "->" + "".join(out), a, b)


def dot(x1, x2):
    """np.dot: products for scalars, the last axis of x1 with the second-to-last of x2 otherwise."""
    from strided.ops.arithmetic import multiply

    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [0 if b.ndim == 1 else -2]))


def inner(x1, x2):
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return dot(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def vdot(x1, x2):
    return dot(ravel(x1), ravel(x2))


def outer(x1, x2):
    from strided.ops.arithmetic import multiply
    from strided.ops.shape import reshape

    return multiply(reshape(ravel(x1), (-1, 1)), reshape(ravel(x2), (1, -1)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norms as np.linalg.norm: 2/Frobenius (default), 1, inf, -inf, 0 (vectors);
    'fro', 1, -1, inf, -inf (matrices)."""
    from strided.ops.arithmetic import power
    from strided.ops.math import abs as absolute
    from strided.ops.math import sqrt, square
    from strided.ops.reduction import max as reduce_max
    from strided.ops.reduction import min as reduce_min
    from strided.ops.reduction import sum as reduce_sum

    x = as_tensor(x)
    if x.dtype.kind != "f":
        from strided.ops.shape import cast

        x = cast(x, "float32")
    if axis is None:
        axes = tuple(range(x.ndim)) if ord is None else tuple(range(x.ndim))
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
    if ord is None or (ord == "fro" and len(axes) == 2) or (ord == 2 and len(axes) == 1):
        return sqrt(reduce_sum(square(x), axis=axes, keepdims=keepdims))
    if len(axes) == 1:
        if ord == np.inf:
            return reduce_max(absolute(x), axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return reduce_min(absolute(x), axis=axes, keepdims=keepdims)
        if ord == 0:
            return Tensor((x.data != 0).sum(axis=axes, keepdims=keepdims).astype(x.dtype))
        if isinstance(ord, (int, float)) and ord >= 1:
            return power(reduce_sum(power(absolute(x), ord), axis=axes, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2 and ord in (1, -1, np.inf, -np.inf):
        row, col = axes
        summed_axis, extreme_axis = (row, col) if ord in (1, -1) else (col, row)
        sums = reduce_sum(absolute(x), axis=summed_axis, keepdims=True)
        pick = reduce_max if ord in (1, np.inf) else reduce_min
        result = pick(sums, axis=extreme_axis, keepdims=True)
        if not keepdims:
            from strided.ops.shape import squeeze

            result = squeeze(result, axis=axes)
        return result
    raise NotImplementedError(f"norm: ord={ord!r} over axes {axes} is not supported.")


def average(x, axis=None, weights=None):
    from strided.ops.arithmetic import divide, multiply
    from strided.ops.reduction import mean
    from strided.ops.reduction import sum as reduce_sum

    if weights is None:
        return mean(x, axis=axis)
    x, w = as_tensor(x), as_tensor(weights)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        from strided.ops.shape import reshape

        w = reshape(w, shape)
    return divide(reduce_sum(multiply(x, w), axis=axis), reduce_sum(w * np.ones(x.shape, x.dtype), axis=axis))


def amax(x, axis=None, keepdims=False):
    from strided.ops.reduction import max as reduce_max

    return reduce_max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    from strided.ops.reduction import min as reduce_min

    return reduce_min(x, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    from strided.ops.arithmetic import subtract

    return subtract(amax(x, axis, keepdims), amin(x, axis, keepdims))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over `axes` (keras.ops.moments)."""
    from strided.ops.reduction import mean, var

    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def sort(x, axis=-1):
    """Sorted along `axis`; the gradient goes back to where each value came from."""
    x = as_tensor(x)
    order = np.argsort(x.data, axis=axis, kind="stable")
    return take_along_axis(x, order, axis=axis)


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, elementwise (np.select)."""
    from strided.ops.math import where

    result = as_tensor(default) if not isinstance(default, Tensor) else default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
        result = where(condition, choice, result)
    return result


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x), epsilon) along `axis` (keras.ops.normalize)."""
    from strided.ops.arithmetic import divide
    from strided.ops.math import maximum

    eps = 1e-12 if epsilon is None else epsilon
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


__all__ = [
    "flip", "fliplr", "flipud", "roll", "rot90", "take", "take_along_axis", "diagonal", "diag", "diagflat",
    "tril", "triu", "ravel", "broadcast_to", "copy", "array", "slice", "unstack", "trace", "hstack",
    "vstack", "append", "cumsum", "prod", "einsum", "tensordot", "dot", "inner", "vdot", "outer", "norm",
    "average", "amax", "amin", "ptp", "moments", "sort", "select", "normalize", "gather_by",
]
