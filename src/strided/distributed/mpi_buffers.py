"""How `MPICollective` lays arrays and values out as bytes, and adds rows in a fixed order.

- `describe(array)`: an array's number of dimensions, shape and dtype as a fixed-size int64
  vector, so one Iallgather tells every rank every rank's shape (allgather with first
  dimensions that differ) and a broadcast's header tells the receivers what comes.
- `agreed(descriptions, operation)`: the shapes and the one dtype, or the same clear error on
  every rank when they disagree (so a mistake on one rank never leaves the others waiting).
- `packed(value, header)`: a broadcast's header and payload: an array's own bytes, or the
  value pickled.
- `sum_rows(rows)`: rows added along the ranks' halving tree, the one order every rank uses.
"""

import pickle

import numpy as np

from strided.kernels.collective import tree_combine

MAX_DIMENSIONS = 32
_DTYPE_SLOTS = 4  # int64 slots holding a dtype's text (e.g. "<f4"), 32 characters
DESCRIPTION_SLOTS = 1 + MAX_DIMENSIONS + _DTYPE_SLOTS
HEADER_SLOTS = 2 + DESCRIPTION_SLOTS  # a broadcast's header: kind, byte count, description
ARRAY, PICKLED, UNSENDABLE = 1, 2, 3  # what a broadcast carries


def sum_rows(rows, out=None):
    """The rows added along the ranks' halving tree (the first ceil(P / 2) rows' sum plus the
    rest's, each the same way: `kernels.collective.tree_combine`), the order in which one
    process adds the parts of a batch the ranks share; into `out` if given."""
    total = tree_combine(list(rows), np.add)
    if out is None:
        return np.array(total, copy=True)
    np.copyto(out, total)
    return out


def describe(array):
    """[dimensions, shape..., dtype text...] as int64 (dimensions -1: not an array of numbers)."""
    description = np.zeros(DESCRIPTION_SLOTS, np.int64)
    if array.dtype.kind not in "biufc" or array.ndim > MAX_DIMENSIONS:
        description[0] = -1
        return description
    description[0] = array.ndim
    description[1: 1 + array.ndim] = array.shape
    text = array.dtype.str.encode("ascii")[: 8 * _DTYPE_SLOTS].ljust(8 * _DTYPE_SLOTS, b"\0")
    description[1 + MAX_DIMENSIONS:] = np.frombuffer(text, np.int64)
    return description


def agreed(descriptions, operation):
    """Every rank's shape and the one dtype, from `describe`'s rows; a ValueError (the same
    on every rank) when a rank sent no array of numbers, or dtypes or trailing shapes differ."""
    shapes, dtypes = [], []
    for rank, description in enumerate(descriptions):
        if description[0] < 0:
            raise TypeError(f"{operation}: rank {rank} passed no array of numbers (at most "
                            f"{MAX_DIMENSIONS} dimensions)")
        shapes.append(tuple(int(d) for d in description[1: 1 + description[0]]))
        dtypes.append(np.dtype(description[1 + MAX_DIMENSIONS:].tobytes().rstrip(b"\0").decode("ascii")))
    if len(set(dtypes)) > 1 or len({shape[1:] for shape in shapes}) > 1 or len({len(s) for s in shapes}) > 1:
        received = ", ".join(f"rank {rank}: {shape} {dtype}" for rank, (shape, dtype) in enumerate(zip(shapes, dtypes)))
        raise ValueError(f"{operation}: expected arrays with the same dtype and the same shape after the "
                         f"first dimension on every rank. Received: {received}")
    return shapes, dtypes[0]


def packed(value, header):
    """(header, payload bytes as uint8) for broadcasting `value` from the root."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc" and value.ndim <= MAX_DIMENSIONS:
        array = np.ascontiguousarray(value)
        header[0], header[1] = ARRAY, array.nbytes
        header[2:] = describe(array)
        return header, array.reshape(-1).view(np.uint8)
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        header[0] = PICKLED
    except Exception as error:  # noqa: BLE001  (every rank raises it, see broadcast)
        data = pickle.dumps(f"{type(error).__name__}: {error}")
        header[0] = UNSENDABLE
    header[1] = len(data)
    return header, np.frombuffer(data, np.uint8).copy()


__all__ = ["describe", "agreed", "packed", "sum_rows", "MAX_DIMENSIONS", "DESCRIPTION_SLOTS", "HEADER_SLOTS",
           "ARRAY", "PICKLED", "UNSENDABLE"]
