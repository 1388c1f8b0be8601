"""HDF5 weight files read into memory with every object checked: nothing outside the file.

HDF5 can store a dataset's values in *other* files (external storage: `external=[("/etc/passwd",
0, 6)]`), assemble it from other files (virtual datasets), or link to an object of another file
(external links); h5py follows all of them on read. A chunked dataset can declare gigabytes
and store nothing (reading returns the fill value, allocated in full). So a weight file is
never read lazily: `read_tree` walks it once, link by link, and

* refuses external links, soft links and user-defined links (Keras and strided write none),
  external storage, virtual datasets and compression filters other than HDF5's built-in ones;
* refuses any dataset whose type is not a real number type (text, variable-length, compound,
  complex, booleans, references, opaque bytes);
* refuses a dataset declaring more bytes than the file stores for it (uncompressed data must
  be stored in full, compressed data may expand at most MAX_RATIO times), and a file declaring
  more than MAX_RATIO times its own size in all;
* reads only the attributes strided uses (layer_names, weight_names, name), each checked.

The result is a tree of `H5Group`s holding NumPy arrays, with the small part of h5py's Group
API the Keras loaders use (get, [], in, keys, attrs, visititems, parent, name). Every problem is
a FileFormatError naming the file and the object.
"""

import io
import os
import re

import numpy as np

from strided.errors import FileFormatError, file_format_error
from strided.saving.safe_zip import MAX_RATIO, SMALL_MEMBER
from strided.saving.weight_checks import check_numeric_dtype

MAX_OBJECTS = 100_000
MAX_DEPTH = 64
MAX_ATTRIBUTE_ITEMS = 1_000_000
_READ_ATTRIBUTES = re.compile(r"^(layer_names|weight_names)\d*$|^name$")
_ALLOWED_FILTERS = {1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
                    32000: "lzf"}


class H5Group:
    """An HDF5 group read into memory: children are H5Groups or ndarrays."""

    def __init__(self, name, parent=None, file=None):
        self.name, self.parent, self.file = name, parent, file
        self.children, self.attrs = {}, {}

    def _lookup(self, path):
        node = self
        for part in (p for p in str(path).split("/") if p):
            if not isinstance(node, H5Group) or part not in node.children:
                return None
            node = node.children[part]
        return node

    def get(self, path, default=None):
        node = self._lookup(path)
        return default if node is None else node

    def __getitem__(self, path):
        node = self._lookup(path)
        if node is None:
            where = f"{self.name.rstrip('/')}/{path}"
            raise file_format_error(self.file, f"HDF5 object '{where}'", "expected it to exist, it is missing")
        return node

    def __contains__(self, path):
        return self._lookup(path) is not None

    def keys(self):
        return list(self.children)

    def visititems(self, visit, _prefix=""):
        """Call visit(relative name, object) for every group and array below, as h5py does."""
        for key, child in self.children.items():
            name = f"{_prefix}{key}"
            if visit(name, child) is not None:
                return
            if isinstance(child, H5Group):
                child.visititems(visit, name + "/")

    def datasets(self):
        """{relative path: array} of every array below this group."""
        found = {}
        self.visititems(lambda name, item: found.__setitem__(name, item) if isinstance(item, np.ndarray) else None)
        return found


class _Walk:
    def __init__(self, h5py, file, file_size):
        self.h5py, self.file, self.file_size = h5py, file, file_size
        self.objects = self.total_bytes = 0

    def error(self, path, problem):
        return file_format_error(self.file, f"HDF5 object '{path}'", problem)

    def group(self, source, node, depth):
        if depth > MAX_DEPTH:
            raise self.error(node.name, f"groups nest more than {MAX_DEPTH} deep (a link cycle?)")
        self.attributes(source, node.attrs, node.name)
        for key in list(source.keys()):
            path = f"{node.name.rstrip('/')}/{key}"
            self.objects += 1
            if self.objects > MAX_OBJECTS:
                raise self.error(path, f"the file holds more than {MAX_OBJECTS:,} objects")
            link = source.get(key, getlink=True)
            if isinstance(link, self.h5py.ExternalLink):
                raise self.error(path, f"an external link to '{link.filename}:{link.path}'; strided reads "
                                 "nothing outside the given file")
            if not isinstance(link, self.h5py.HardLink):
                kind = "a soft link" if isinstance(link, self.h5py.SoftLink) else "a user-defined link"
                raise self.error(path, f"{kind}; strided reads only plain groups and datasets")
            item = source[key]
            if isinstance(item, self.h5py.Group):
                child = node.children[key] = H5Group(path, node, self.file)
                self.group(item, child, depth + 1)
            elif isinstance(item, self.h5py.Dataset):
                node.children[key] = self.dataset(item, path)
            # committed datatypes hold no data: ignored

    def dataset(self, item, path):
        plist = item.id.get_create_plist()
        if plist.get_external_count() > 0:
            raise self.error(path, "its values are stored in an external file; strided reads nothing outside "
                             "the given file")
        if item.is_virtual or plist.get_layout() not in (self.h5py.h5d.COMPACT, self.h5py.h5d.CONTIGUOUS,
                                                         self.h5py.h5d.CHUNKED):
            raise self.error(path, "a virtual dataset (assembled from other files); expected stored values")
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        unknown = [f for f in filters if f not in _ALLOWED_FILTERS]
        if unknown:
            raise self.error(path, f"compression filter {unknown[0]} is not one of HDF5's built-in filters")
        try:
            dtype = item.dtype
        except (TypeError, ValueError) as error:
            raise self.error(path, f"an HDF5 type with no NumPy equivalent ({error})") from None
        check_numeric_dtype(dtype, self.file, f"HDF5 dataset '{path}'")
        if item.shape is None:
            raise self.error(path, "an empty (null) dataspace; expected an array")
        declared = int(np.prod(item.shape, dtype=object)) * dtype.itemsize
        stored = item.id.get_storage_size()
        if not filters and stored < declared and plist.get_layout() != self.h5py.h5d.COMPACT:
            raise self.error(path, f"it declares shape {item.shape} ({declared:,} bytes) but the file stores "
                             f"{stored:,} bytes for it (unwritten or truncated)")
        if filters and declared > MAX_RATIO * stored + (64 << 10):
            raise self.error(path, f"it declares {declared:,} bytes from {stored:,} compressed bytes (more than "
                             f"{MAX_RATIO}x): refused as a possible compression bomb")
        self.total_bytes += declared
        if self.total_bytes > MAX_RATIO * self.file_size + SMALL_MEMBER:
            raise self.error(path, f"its datasets declare {self.total_bytes:,} bytes, more than a "
                             f"{self.file_size:,}-byte file can hold")
        array = np.empty(item.shape, dtype=dtype)
        if array.size:
            item.read_direct(array)
        return array

    def attributes(self, source, target, path):
        for key in source.attrs.keys():
            if not _READ_ATTRIBUTES.match(key):
                continue
            attribute = source.attrs.get_id(key)
            shape = attribute.shape or ()
            count = int(np.prod(shape, dtype=object))
            try:
                stored = attribute.get_storage_size()
            except RuntimeError:  # HDF5 reports an empty attribute's size of 0 as an error
                stored = 0
            if count > MAX_ATTRIBUTE_ITEMS or stored > self.file_size:
                raise self.error(path, f"attribute '{key}' declares {count:,} items, more than the file holds")
            value = source.attrs[key]
            target[key] = _decode_names(value, self.error(path, f"attribute '{key}' must hold text (layer or "
                                                          f"weight names), found {type(value).__name__}"))


def _decode_names(value, error):
    """A name attribute as str or list of str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.size == 0:  # a layer without weights
        return []
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUO":
        items = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value.ravel().tolist()]
        if all(isinstance(v, str) for v in items):
            return items
    raise error


def read_tree(source, file=None):
    """The whole HDF5 file `source` (a path or bytes) as an H5Group, checked as described above."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading HDF5 (.h5) weight files needs h5py: pip install h5py") from None
    file = file or os.fspath(source)
    if isinstance(source, (bytes, bytearray)):
        size, handle = len(source), io.BytesIO(source)
    else:
        size, handle = os.path.getsize(source), os.fspath(source)
    root = H5Group("/", None, file)
    try:
        with h5py.File(handle, "r") as h5:
            _Walk(h5py, file, size).group(h5, root, 0)
    except FileFormatError:
        raise
    except FileNotFoundError:
        raise
    except Exception as error:  # noqa: BLE001 - h5py raises many types for damaged files
        raise file_format_error(file, None, f"not a readable HDF5 file: it is damaged or truncated "
                                f"({type(error).__name__}: {error})") from None
    return root


__all__ = ["H5Group", "read_tree"]
