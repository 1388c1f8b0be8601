"""Reading zip archives (`.keras`, `.npz`, PyTorch's `.pt`) from strangers without surprises.

`zipfile` trusts the archive: it decompresses whatever a member's header declares (a zip bomb
of 0.4 MB can hold gigabytes of zeros), raises RuntimeError for an encrypted member and
NotImplementedError for an unknown compression method. `SafeZip` checks every member's
central-directory entry before any byte is decompressed:

* only stored and deflated members, none encrypted;
* a member's declared size at most `MAX_RATIO` times its compressed size (plus a small
  allowance), and all members together at most `MAX_RATIO` times the archive's size;
* reading returns at most the declared size (zipfile stops there and checks the CRC-32).

Every failure is a FileFormatError naming the archive and the member.
"""

import io
import os
import zipfile
import zlib

from strided.errors import FileFormatError, file_format_error

MAX_RATIO = 100  # real weights compress by a few percent; bombs by a thousand times
SMALL_MEMBER = 1 << 20  # members this small may compress better (JSON, zero biases)
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


class SafeZip:
    """A zip archive whose members were all checked; use as a context manager.

    Args:
        source: a path or bytes.
        name: how to name the archive in messages (default: the path).

    Example:
        >>> with SafeZip("model.keras") as archive:  # doctest: +SKIP
        ...     config = archive.read("config.json")
    """

    def __init__(self, source, name=None):
        self.name = name or (os.fspath(source) if not isinstance(source, (bytes, bytearray)) else "<bytes>")
        if isinstance(source, (bytes, bytearray)):
            size, stream = len(source), io.BytesIO(source)
        else:
            size, stream = os.path.getsize(source), os.fspath(source)
        try:
            self._archive = zipfile.ZipFile(stream, "r")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError, UnicodeDecodeError) as error:
            if isinstance(error, FileNotFoundError):
                raise
            raise file_format_error(self.name, None, f"not a readable zip archive ({type(error).__name__}: "
                                    f"{error}); the file is damaged, truncated or of another kind") from None
        try:
            self._check_members(size)
        except FileFormatError:
            self._archive.close()
            raise

    def _check_members(self, archive_size):
        total = 0
        for info in self._archive.infolist():
            part = f"zip member '{info.filename}'"
            if info.flag_bits & 0x1:
                raise file_format_error(self.name, part, "the member is encrypted; expected plain data")
            if info.compress_type not in _METHODS:
                raise file_format_error(self.name, part, f"compression method {info.compress_type}; expected "
                                        "stored (0) or deflated (8)")
            if info.file_size > MAX_RATIO * info.compress_size + SMALL_MEMBER:
                raise file_format_error(
                    self.name, part, f"it declares {info.file_size:,} bytes from {info.compress_size:,} "
                    f"compressed bytes (more than {MAX_RATIO}x): refused as a possible zip bomb")
            total += info.file_size
        if total > MAX_RATIO * archive_size + SMALL_MEMBER:
            raise file_format_error(self.name, None, f"its members declare {total:,} bytes in all from a "
                                    f"{archive_size:,}-byte archive: refused as a possible zip bomb")

    def namelist(self):
        return self._archive.namelist()

    def size_of(self, member):
        """The declared (uncompressed, already checked) size of `member`."""
        return self._archive.getinfo(member).file_size

    def read(self, member):
        """The bytes of `member` (checked against its CRC-32)."""
        try:
            return self._archive.read(member)
        except KeyError:
            raise file_format_error(self.name, None, f"it has no member '{member}'") from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, RuntimeError,
                NotImplementedError) as error:
            raise file_format_error(self.name, f"zip member '{member}'", f"the data is damaged or truncated "
                                    f"({type(error).__name__}: {error})") from None

    def close(self):
        self._archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def check_zip_file(path):
    """Raise FileFormatError unless `path` is a zip whose members pass SafeZip's checks."""
    with SafeZip(path):
        pass


__all__ = ["MAX_RATIO", "SafeZip", "check_zip_file"]
