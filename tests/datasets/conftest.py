"""Fixtures for the dataset tests: an isolated machine (no real caches) and file writers."""

import gzip
import hashlib
import struct

import numpy as np
import pytest

from strided.datasets import sources


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A fake home, no $STRIDED_DATA, no system copies, no network: the real machine is invisible."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("STRIDED_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("STRIDED_OFFLINE", raising=False)
    monkeypatch.setattr(sources, "SYSTEM_DIRS", (str(tmp_path / "system"),))

    def no_network(url, timeout):
        raise OSError(f"network disabled in tests ({url})")

    monkeypatch.setattr("strided.datasets._download._open_url", no_network)
    return tmp_path


def idx_bytes(array, type_code=0x08):
    """The bytes of an IDX file holding `array` (uint8 by default)."""
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[
        type_code
    ]
    return header + array.astype(dtype).tobytes()


@pytest.fixture
def write_idx():
    def write(path, array, compress=True, type_code=0x08):
        data = idx_bytes(array, type_code)
        path.write_bytes(gzip.compress(data) if compress else data)
        return path

    return write


@pytest.fixture
def mnist_like(write_idx):
    """Write four small MNIST-format files into a folder; returns (arrays, IdxFile specs)."""
    from strided.datasets._mnist_family import IdxFile

    def make(folder, n_train=20, n_test=10, seed=0):
        rng = np.random.default_rng(seed)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "train-labels-idx1-ubyte.gz": np.arange(n_train, dtype=np.uint8) % 10,
            "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte.gz": np.arange(n_test, dtype=np.uint8) % 10,
        }
        specs = []
        for name, array in arrays.items():
            path = write_idx(folder / name, array)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            specs.append(IdxFile(name, (digest,), None, len(array)))
        return arrays, tuple(specs)

    return make


def py2_cifar_pickle(images, labels, shape=None):
    """The opcodes Python 2's cPickle wrote for a CIFAR batch: {'data': uint8 ndarray, key: [ints]}.

    Written by hand (protocol 2, py2 `str` as SHORT_BINSTRING/BINSTRING) so the tests read the same
    structure as the published files, including numpy's `_reconstruct` and `dtype` globals.
    """

    def short(s):
        s = s.encode() if isinstance(s, str) else s
        return b"U" + bytes([len(s)]) + s

    def binint(v):
        return b"J" + struct.pack("<i", v)

    images = np.ascontiguousarray(images, np.uint8)
    shape = images.shape if shape is None else shape
    out = [b"\x80\x02}("]
    out.append(short("data"))
    out.append(
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + short("b") + b"\x87R"
    )
    out.append(b"(K\x01" + binint(shape[0]) + binint(shape[1]) + b"\x86")
    out.append(b"cnumpy\ndtype\n" + short("u1") + b"K\x00K\x01\x87R")
    out.append(b"(K\x03" + short("|") + b"NNN" + binint(-1) + binint(-1) + b"K\x00tb")
    out.append(b"\x89T" + struct.pack("<i", images.nbytes) + images.tobytes() + b"tb")
    for key, values in labels.items():
        out.append(short(key) + b"](" + b"".join(b"K" + bytes([v]) for v in values) + b"e")
    out.append(short("batch_label") + short("training batch 1 of 5"))
    out.append(b"u.")
    return b"".join(out)


@pytest.fixture
def cifar_pickle():
    return py2_cifar_pickle
