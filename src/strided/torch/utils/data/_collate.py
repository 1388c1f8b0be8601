"""`default_collate` and `default_convert`: how a list of samples becomes one batch (PyTorch's rules).

    tensors                  -> torch.stack(samples)        (same shapes required)
    NumPy arrays / scalars   -> stacked into a tensor
    Python floats            -> a float64 tensor; ints -> an int64 tensor; bools -> a bool tensor
    str / bytes              -> the list unchanged
    dicts                    -> a dict of collated values, key by key
    namedtuples              -> the namedtuple of collated fields
    tuples and lists         -> a LIST of collated columns: [(x, y), ...] -> [X, Y]
"""

import collections.abc
import numbers

import numpy as np


def _torch():
    import strided.torch

    return strided.torch


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _numpy_convertible(array):
    return array.dtype.kind not in "USOV"


def _error(kind):
    return TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {kind}"
    )


def default_collate(batch):
    """Stack a list of samples into a batch, recursively through dicts, tuples and lists.

    Example:
        >>> import strided.torch as torch
        >>> images, labels = default_collate([(torch.zeros(2), 0), (torch.ones(2), 1)])
        >>> images.shape, labels.tolist()
        (torch.Size([2, 2]), [0, 1])
    """
    torch = _torch()
    elem = batch[0]
    if isinstance(elem, torch.Tensor):
        shapes = {tuple(item.shape) for item in batch}
        if len(shapes) > 1:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got shapes "
                f"{sorted(shapes)} in one batch; resize the samples (e.g. transforms.Resize) or "
                "pass a collate_fn."
            )
        if any(item.requires_grad for item in batch):
            return torch.stack(list(batch), 0)
        return torch.from_numpy(np.stack([item.numpy() for item in batch]))  # no graph to record
    if isinstance(elem, np.ndarray) or isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        if not _numpy_convertible(np.asarray(elem)):
            raise _error(np.asarray(elem).dtype)
        if isinstance(elem, np.ndarray) and elem.ndim:
            return default_collate([torch.as_tensor(np.asarray(item)) for item in batch])
        return torch.as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return torch.tensor(batch, dtype=torch.bool)
    if isinstance(elem, float):
        return torch.tensor(batch, dtype=torch.float64)
    if isinstance(elem, numbers.Integral):
        return torch.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([item[key] for item in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(column)) for column in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        lengths = {len(item) for item in batch}
        if len(lengths) != 1:
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # PyTorch returns a list for tuples (backwards compatibility)
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise _error(type(elem))


def default_convert(data):
    """Turn NumPy arrays inside one sample into tensors (the DataLoader's step when batch_size=None)."""
    torch = _torch()
    if isinstance(data, np.ndarray) and _numpy_convertible(data):
        return torch.as_tensor(data)
    if isinstance(data, np.generic) and _numpy_convertible(np.asarray(data)):
        return torch.as_tensor(np.asarray(data))
    if isinstance(data, (str, bytes)) or isinstance(data, torch.Tensor):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


__all__ = ["default_collate", "default_convert"]
