"""The one exception every loader raises for a file it cannot accept: `FileFormatError`.

Model files (`.keras`), weight files (`.weights.npz`, `.weights.h5`, legacy Keras `.h5`,
`.safetensors`, PyTorch `.pt`/`.pth`) and dataset files (IDX, CIFAR batches, gzip) are all
parsed as untrusted input. Whatever is wrong with one -- truncated, corrupted, crafted to
exhaust memory, pointing outside itself, holding text where numbers belong, or built for
another architecture -- the loader raises `FileFormatError` (a `ValueError`), and the message
names the file, the part of it (zip member, HDF5 dataset, npz key, JSON path), what was
expected and what came. The dataset errors (`strided.datasets.errors.DatasetError`,
`ChecksumError`) are subclasses, so one `except FileFormatError` catches every load failure.

A file that does not exist is still `FileNotFoundError`: nothing was parsed.

Example:
    >>> try:
    ...     strided.models.load_model("downloaded.keras")
    ... except strided.errors.FileFormatError as error:
    ...     print(error.file, error.part)  # doctest: +SKIP

Training across processes (`strided.distributed`) has two more:

- `DistributedError`: a rank of the job failed and this rank cannot go on. When a rank raises
  inside strided's distributed work, every rank raises that same exception type with its
  message and a note naming the rank; `DistributedError` stands in for an exception type that
  cannot be rebuilt on the other ranks (it carries the type's name, the message and the rank).
- `DistributedTimeoutError` (a `DistributedError` and a `TimeoutError`): a collective operation
  waited `seconds` (the timeout, `strided.distributed.set_timeout` or the environment's
  STRIDED_DISTRIBUTED_TIMEOUT, 30 s by default) and some ranks had not arrived: stopped,
  killed, deadlocked or far slower than the others. It names the operation, the wait and those
  ranks. After it, the job ends on every rank (see `strided.distributed.mpi`).
"""


class FileFormatError(ValueError):
    """A file (or part of one) is not what its loader accepts.

    Args:
        message: the whole explanation, written for the user.
        file: the file's path (or a description such as "<bytes>"), also in the message.
        part: where inside the file, e.g. "config.json", "layers/dense/vars/0", "x_train".
    """

    def __init__(self, message, file=None, part=None):
        super().__init__(message)
        self.file = file
        self.part = part

    def __reduce__(self):  # keep file/part across processes (data-parallel helpers, pickling)
        return (type(self), (str(self), self.file, self.part))


def file_format_error(file, part, problem):
    """A FileFormatError whose message reads "'<file>' (<part>): <problem>".

    `problem` says what was expected and what came, e.g.
    "expected a numeric array, found dtype '<U3'".
    """
    where = f"'{file}'" + (f" ({part})" if part else "")
    return FileFormatError(f"Cannot load {where}: {problem}", file=file, part=part)


class DistributedError(RuntimeError):
    """A rank of a distributed job failed, or the collective between the ranks broke.

    Args:
        message: the whole explanation, written for the user.
        rank: the rank that failed (None if unknown).
        type_name: the failing exception's type ("module.Name") when this error stands in for
            an exception type that could not be rebuilt on this rank; else None.
    """

    def __init__(self, message, rank=None, type_name=None):
        super().__init__(message)
        self.rank = rank
        self.type_name = type_name

    def __reduce__(self):  # keep rank/type_name when sent to the other ranks
        return (type(self), (str(self), self.rank, self.type_name))


class DistributedTimeoutError(DistributedError, TimeoutError):
    """A collective operation waited the whole timeout for ranks that had not arrived.

    Args:
        message: the whole explanation (operation, wait, missing ranks, how to wait longer).
        operation: what waited, e.g. "allreduce_sum".
        seconds: how long it waited.
        missing: the ranks that had not arrived (a sorted list; empty if unknown).
        rank: the rank that waited.
    """

    def __init__(self, message, operation=None, seconds=None, missing=(), rank=None):
        super().__init__(message, rank=rank)
        self.operation = operation
        self.seconds = seconds
        self.missing = sorted(missing)

    def __reduce__(self):
        return (type(self), (str(self), self.operation, self.seconds, self.missing, self.rank))


__all__ = ["FileFormatError", "file_format_error", "DistributedError", "DistributedTimeoutError"]
