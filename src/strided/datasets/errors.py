"""The exceptions the dataset loaders raise, so callers can tell "absent" from "broken".

`DatasetError` is a `strided.errors.FileFormatError`, so one `except FileFormatError` catches
every file that failed to load, model or data.
"""

from strided.errors import FileFormatError


class DatasetError(FileFormatError):
    """A data file exists but is not what it should be: truncated, corrupted or the wrong file.

    The message always names the file, so the user knows what to delete or re-fetch.
    """


class ChecksumError(DatasetError):
    """A file's SHA-256 differs from the published one (a damaged or different file)."""


class DownloadError(OSError):
    """Every mirror failed; the message lists each address and why it failed."""


class DatasetNotFoundError(FileNotFoundError):
    """No source had the data; the message lists what was tried and how to get the data."""


__all__ = ["ChecksumError", "DatasetError", "DatasetNotFoundError", "DownloadError"]
