"""The two file formats of CIFAR-10 and CIFAR-100, read without running any code from the file.

Binary version (`data_batch_1.bin`, `train.bin`, ...): fixed-size records,

    CIFAR-10:  <1 label byte><3072 pixel bytes>               10,000 records per batch file
    CIFAR-100: <1 coarse label byte><1 fine label byte><3072>  50,000 (train.bin) / 10,000 (test.bin)

with the 3,072 pixels as 1,024 red, 1,024 green, then 1,024 blue values of a 32x32 image.

Python version (`data_batch_1`, `train`, ...): a Python-2 pickle of a dict
{b"data": <uint8 ndarray (N, 3072)>, b"labels": [...], ...}. Ordinary `pickle.load` would run
whatever the file names, so the opcodes are first scanned (`pickletools.genops`: every declared
length must be present, nothing is built), then `SafeUnpickler` allows no real globals at all: the three names numpy's
array pickles use are replaced by stand-ins that only record the raw bytes, and only uint8 data is
accepted. Anything else in the file is an error naming it.
"""

import io
import pickle
import pickletools

import numpy as np

from strided.datasets.errors import DatasetError

PIXELS = 32 * 32 * 3


class _ArrayStub:
    """Records numpy's array state (version, shape, dtype, is_fortran, raw bytes) without numpy."""

    def __init__(self, state=None):
        self.state = state

    def __setstate__(self, state):
        self.state = state


class _DtypeStub:
    def __init__(self, code):
        self.code = code

    def __setstate__(self, state):  # byte order etc.; uint8 has none that matters
        pass


_NDARRAY = object()  # stands for numpy.ndarray in the pickle


def _reconstruct(cls, shape, typecode):
    if cls is not _NDARRAY:
        raise pickle.UnpicklingError("_reconstruct may only build numpy.ndarray")
    return _ArrayStub()


def _dtype(code, align=False, copy=False):
    code = code.decode("latin1") if isinstance(code, bytes) else code
    if code not in ("u1", "uint8", "|u1"):
        raise pickle.UnpicklingError(f"only uint8 arrays are allowed, found dtype {code!r}")
    return _DtypeStub(code)


def _frombuffer(buffer, dtype, shape, order):  # numpy's protocol-5 array pickles
    return _ArrayStub((1, shape, dtype, order == "F", bytes(buffer)))


def _latin1_encode(text, encoding="latin1"):  # how Python 3 writes bytes into protocol-2 pickles
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only for latin-1 text")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that can build only dicts, lists, tuples, bytes, str, numbers and uint8 arrays."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}") from None


def _to_array(stub, name):
    """Turn an _ArrayStub into a uint8 ndarray, checking that the bytes match the shape."""
    state = getattr(stub, "state", None)
    if not isinstance(stub, _ArrayStub) or not isinstance(state, tuple) or len(state) != 5:
        raise DatasetError(f"{name}: 'data' is not a NumPy array.")
    _, shape, dtype, fortran, raw = state
    if not isinstance(dtype, _DtypeStub) or not isinstance(raw, (bytes, bytearray)):
        raise DatasetError(f"{name}: 'data' is not a uint8 array.")
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise DatasetError(f"{name}: 'data' has an invalid shape {shape!r}.")
    if len(raw) != int(np.prod(shape, dtype=np.int64)):
        raise DatasetError(
            f"{name}: 'data' has shape {shape} but {len(raw):,} bytes (truncated or corrupted)."
        )
    return np.frombuffer(raw, np.uint8).reshape(shape, order="F" if fortran else "C").copy()


def parse_python_batch(data, name, label_keys, num_classes, count=None):
    """Parse one pickled CIFAR batch safely.

    Args:
        data: the file's bytes.
        name: the file name for error messages.
        label_keys: e.g. ("labels",) for CIFAR-10, ("fine_labels", "coarse_labels") for CIFAR-100.
        num_classes: the number of classes for each label key (labels must be in range).
        count: the number of images the file must hold, or None.

    Returns:
        (images uint8 (N, 3, 32, 32), {key: labels int64 (N,)}).
    """
    try:
        for _ in pickletools.genops(data):  # every declared length checked before anything is built
            pass
        batch = SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as error:  # noqa: BLE001 - any unpickling failure means a bad file
        raise DatasetError(
            f"{name}: not a readable CIFAR python batch ({type(error).__name__}: {error})."
        ) from None
    if not isinstance(batch, dict):
        raise DatasetError(f"{name}: expected a dict, found {type(batch).__name__}.")
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    missing = [k for k in ("data", *label_keys) if k not in batch]
    if missing:
        raise DatasetError(f"{name}: missing {missing}; keys present: {sorted(map(str, batch))}.")
    images = _to_array(batch["data"], name)
    if (
        images.ndim != 2
        or images.shape[1] != PIXELS
        or (count is not None and images.shape[0] != count)
    ):
        expected = f"({count if count is not None else 'N'}, {PIXELS})"
        raise DatasetError(f"{name}: 'data' has shape {images.shape}, expected {expected}.")
    labels = {}
    for key, classes in zip(label_keys, num_classes):
        values = batch[key]
        if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
            raise DatasetError(f"{name}: '{key}' must be a list of ints.")
        values = np.array(values, dtype=np.int64)
        if len(values) != len(images):
            raise DatasetError(f"{name}: {len(images)} images but {len(values)} '{key}'.")
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise DatasetError(
                f"{name}: '{key}' must be in 0..{classes - 1}, found {values.min()}..{values.max()}."
            )
        labels[key] = values
    return images.reshape(-1, 3, 32, 32), labels


def parse_binary_batch(data, name, label_bytes, num_classes, count=None):
    """Parse one binary CIFAR batch: records of `label_bytes` label bytes then 3,072 pixels.

    Returns:
        (images uint8 (N, 3, 32, 32), labels uint8 (N, label_bytes)).

    Example:
        >>> record = bytes([3]) + bytes(3072)
        >>> x, y = parse_binary_batch(record * 2, "test.bin", 1, (10,))
        >>> x.shape, y[:, 0].tolist()
        ((2, 3, 32, 32), [3, 3])
    """
    record = label_bytes + PIXELS
    if len(data) % record:
        raise DatasetError(
            f"{name}: {len(data):,} bytes is not a whole number of {record:,}-byte records (truncated or not CIFAR)."
        )
    n = len(data) // record
    if count is not None and n != count:
        raise DatasetError(f"{name}: holds {n:,} images, expected {count:,}.")
    table = np.frombuffer(data, np.uint8).reshape(n, record)
    labels = table[:, :label_bytes].copy()
    for column, classes in enumerate(num_classes):
        if n and labels[:, column].max() >= classes:
            raise DatasetError(
                f"{name}: label byte {column} must be < {classes}, found {labels[:, column].max()}."
            )
    return table[:, label_bytes:].reshape(n, 3, 32, 32).copy(), labels


__all__ = ["PIXELS", "SafeUnpickler", "parse_binary_batch", "parse_python_batch"]
