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


__all__ = ["FileFormatError", "file_format_error"]
