"""`torch.save` and `torch.load`: PyTorch's checkpoint files, written and read without torch.

    torch.save(model.state_dict(), "model.pt")        # real PyTorch: torch.load("model.pt", weights_only=True)
    model.load_state_dict(torch.load("model.pt"))     # also reads files real PyTorch saved

`save` writes PyTorch's zip format (see `_pickle_writer`): tensors, Parameters, and plain
containers of numbers, strings, bytes and None -- what a model's or an optimizer's `state_dict()`
holds. Anything else (a whole `nn.Module`, a custom class) raises a TypeError instead of being
pickled by reference, since no PyTorch could open it with `weights_only=True`.

`load` reads the zip format and the legacy pre-1.6 format with a restricted unpickler (see
`_pickle_reader`) that only rebuilds tensors and plain containers; it never imports or calls
anything a file names, whatever `weights_only` says. Storages saved on a GPU are loaded on the
CPU (strided's only device). bfloat16 tensors, which NumPy cannot hold, load as float32.
"""

import os

from strided.torch._pickle_reader import StoredTensor, TorchDtype, UnsafeFileError, read_torch_file
from strided.torch._pickle_writer import PickleWriter, TensorRecord, write_archive


def _front_end():
    import strided.torch

    return strided.torch


def _parameter_class():
    from strided.torch.nn.parameter import Parameter

    return Parameter


def _tensor_record(obj):
    torch = _front_end()
    if not isinstance(obj, torch.Tensor):
        return None
    parameter = isinstance(obj, _parameter_class())
    array = obj.detach().numpy()
    return TensorRecord(array, requires_grad=bool(obj.requires_grad), parameter=parameter)


def _dtype_name(obj):
    torch = _front_end()
    return obj.name if isinstance(obj, torch.dtype) else None


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """Save tensors / a state_dict to `f` in PyTorch's zip format.

    Args:
        obj: a tensor, or dicts / lists / tuples of tensors, numbers, strings, bytes and None
            (a model's or an optimizer's `state_dict()`).
        f: a path or a binary file object opened for writing.
        pickle_module, pickle_protocol: accepted for compatibility; the pickle is protocol 2,
            as PyTorch writes it.

    Raises:
        TypeError: `obj` holds something else (the message names where).

    Example:
        >>> import strided.torch as torch
        >>> torch.save({"w": torch.ones(2)}, "/tmp/w.pt")  # doctest: +SKIP
    """
    if not _use_new_zipfile_serialization:
        raise ValueError("strided.torch.save writes only the zip format (_use_new_zipfile_serialization=True).")
    where = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file object>")
    writer = PickleWriter(_tensor_record, where, _dtype_name)
    pickled = writer.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(where))[0] or "archive"
        archive_name = "".join(c if c.isalnum() or c in "_-" else "_" for c in stem)
        with open(where, "wb") as stream:
            write_archive(stream, pickled, writer.storages, archive_name)
    else:
        write_archive(f, pickled, writer.storages, "archive")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved with `torch.save` (by PyTorch or strided), never running code.

    Args:
        f: a path or a binary file object.
        map_location: accepted for compatibility; everything loads on the CPU.
        weights_only: accepted; strided always loads as PyTorch does with `weights_only=True`
            (tensors and plain containers only).

    Returns:
        The saved object with strided tensors (`nn.Parameter` where a Parameter was saved).

    Raises:
        strided.errors.FileFormatError: the file is damaged, is not a torch file, or holds
            anything but tensors and plain containers (e.g. a pickled whole model).

    Example:
        >>> state = torch.load("model.pt")  # doctest: +SKIP
        >>> model.load_state_dict(state)  # doctest: +SKIP
    """
    torch = _front_end()

    def make_tensor(array, stored):
        tensor = torch.from_numpy(array)  # tensor_array made a contiguous copy
        if stored.parameter:
            return _parameter_class()(tensor, requires_grad=stored.requires_grad)
        if stored.requires_grad and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor

    if isinstance(f, (str, os.PathLike)) and not os.path.isfile(os.fspath(f)):
        raise FileNotFoundError(f"strided.torch.load: no such file: {os.fspath(f)!r}")
    obj = read_torch_file(f, make_tensor)
    return _with_dtype_objects(obj, torch)


def load_arrays(f):
    """Like `load`, with tensors as NumPy arrays: for importers (e.g. `strided.saving.torch_import`)
    that want a PyTorch state_dict's values without making strided tensors or importing torch.

    Example:
        >>> state = load_arrays("resnet18.pth")  # doctest: +SKIP
        >>> state["conv1.weight"].shape
        (64, 3, 7, 7)
    """
    if isinstance(f, (str, os.PathLike)) and not os.path.isfile(os.fspath(f)):
        raise FileNotFoundError(f"strided.torch.load: no such file: {os.fspath(f)!r}")
    return read_torch_file(f)


def _with_dtype_objects(obj, torch):
    """`obj` with dtype names read from a file (`torch.float32` globals) as strided's dtype objects."""
    if isinstance(obj, TorchDtype):
        return getattr(torch, str(obj), str(obj))
    if isinstance(obj, dict):
        return type(obj)((k, _with_dtype_objects(v, torch)) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return type(obj)(_with_dtype_objects(v, torch) for v in obj)
    return obj


__all__ = ["StoredTensor", "UnsafeFileError", "load", "load_arrays", "save"]
