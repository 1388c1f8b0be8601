"""Keras' control-flow and update ops, run eagerly: cond, fori_loop, while_loop, map,
vectorized_map, scan, and the index updates scatter, scatter_update, slice_update.

strided executes op by op (no graph to compile), so control flow is plain Python around
the same differentiable ops: a loop body that uses them is differentiated as written. The
index updates return new Tensors (Keras' ops are functional too); they carry no gradient.
"""

import numpy as np

from strided.autograd import Tensor


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn()."""
    return true_fn() if bool(_data(pred)) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in [lower, upper)."""
    value = init_val
    for index in range(int(lower), int(upper)):
        value = body_fun(index, value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat loop_vars = body(*loop_vars) while cond(*loop_vars) (at most maximum_iterations times)."""
    single = not isinstance(loop_vars, (tuple, list))
    values = (loop_vars,) if single else tuple(loop_vars)
    count = 0
    while bool(_data(cond(*values))) and (maximum_iterations is None or count < maximum_iterations):
        result = body(*values)
        values = (result,) if single or not isinstance(result, (tuple, list)) else tuple(result)
        count += 1
    return values[0] if single else type(loop_vars)(values)


def _stack(results):
    from strided.ops.joining import stack

    if isinstance(results[0], (tuple, list)):
        return type(results[0])(_stack([r[i] for r in results]) for i in range(len(results[0])))
    return stack([r if isinstance(r, Tensor) else Tensor(np.asarray(r)) for r in results])


def map(f, xs):
    """stack([f(x) for x in xs]) along a new first axis."""
    return _stack([f(x) for x in _rows(xs)])


def vectorized_map(function, elements):
    """function applied to each row of `elements`, results stacked (Keras' vectorized_map)."""
    return _stack([function(x) for x in _rows(elements)])


def _rows(xs):
    from strided.ops.indexing import get_item

    if isinstance(xs, Tensor):
        return [get_item(xs, i) for i in range(xs.shape[0])]
    return list(np.asarray(xs))


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """(carry, stacked ys) from carry, y = f(carry, x) over the rows of xs (jax.lax.scan)."""
    rows = _rows(xs) if xs is not None else [None] * int(length)
    if reverse:
        rows = rows[::-1]
    carry, ys = init, []
    for x in rows:
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    return carry, (_stack(ys) if ys and ys[0] is not None else None)


def scatter(indices, values, shape):
    """A zeros tensor of `shape` with `values` added at `indices` (rows of coordinates)."""
    values = _data(values)
    out = np.zeros(tuple(shape), dtype=values.dtype)
    np.add.at(out, tuple(np.asarray(_data(indices)).T), values)
    return Tensor(out)


def scatter_update(inputs, indices, updates):
    """`inputs` with the entries at `indices` (rows of coordinates) replaced by `updates`."""
    out = np.array(_data(inputs))
    out[tuple(np.asarray(_data(indices)).T)] = _data(updates)
    return Tensor(out)


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`."""
    out = np.array(_data(inputs))
    updates = _data(updates)
    key = tuple(slice(int(s), int(s) + n) for s, n in zip(_data(start_indices), updates.shape))
    out[key] = updates
    return Tensor(out)


__all__ = ["cond", "fori_loop", "while_loop", "map", "vectorized_map", "scan", "scatter", "scatter_update",
           "slice_update"]
