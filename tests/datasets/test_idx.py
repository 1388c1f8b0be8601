"""The IDX parser on files written in the original format, good and broken."""

import gzip

import numpy as np
import pytest

from strided.datasets.errors import ChecksumError, DatasetError
from strided.datasets.idx import parse_idx, read_idx


@pytest.mark.parametrize("compress", [True, False])
def test_reads_images_and_labels(tmp_path, write_idx, compress):
    images = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28).astype(np.uint8)
    labels = np.array([7, 0, 9], np.uint8)
    x = read_idx(write_idx(tmp_path / "im", images, compress), magic=2051, shape=(None, 28, 28))
    y = read_idx(write_idx(tmp_path / "lb", labels, compress), magic=2049, shape=(3,))
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    assert x.dtype == np.uint8 and x.flags.writeable


@pytest.mark.parametrize(
    "type_code, dtype",
    [(0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)],
)
def test_big_endian_types_become_native(tmp_path, write_idx, type_code, dtype):
    values = np.array([[-3, 2], [1000 if dtype != np.int8 else 100, -1]], dtype=dtype)
    out = read_idx(write_idx(tmp_path / "v", values, type_code=type_code))
    np.testing.assert_array_equal(out, values)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative


def test_wrong_magic_names_the_file(tmp_path, write_idx):
    path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(
        DatasetError,
        match=r"train-labels-idx1-ubyte.gz: wrong IDX magic number 2049, expected 2051",
    ):
        read_idx(path, magic=2051)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world")
    with pytest.raises(DatasetError, match=r"notes.txt: not an IDX file"):
        read_idx(path)


def test_truncated_data_names_the_file(tmp_path, write_idx):
    path = write_idx(
        tmp_path / "t10k-images-idx3-ubyte", np.zeros((5, 28, 28), np.uint8), compress=False
    )
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(
        DatasetError, match=r"t10k-images-idx3-ubyte: the file is truncated.*\(5, 28, 28\)"
    ):
        read_idx(path, magic=2051)


def test_extra_bytes_are_an_error(tmp_path, write_idx):
    path = write_idx(tmp_path / "x.idx", np.zeros(4, np.uint8), compress=False)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(DatasetError, match="extra bytes"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "h.idx"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\0\0\0\5")
    with pytest.raises(DatasetError, match="h.idx: truncated IDX header"):
        read_idx(path)


def test_wrong_count_or_size(tmp_path, write_idx):
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((4, 28, 27), np.uint8))
    with pytest.raises(
        DatasetError,
        match=r"train-images-idx3-ubyte.gz: the IDX dimensions are \(4, 28, 27\), expected \(None, 28, 28\)",
    ):
        read_idx(path, magic=2051, shape=(None, 28, 28))
    path = write_idx(tmp_path / "labels.gz", np.zeros(59999, np.uint8))
    with pytest.raises(DatasetError, match=r"\(59999,\), expected \(60000,\)"):
        read_idx(path, magic=2049, shape=(60000,))


def test_truncated_gzip_names_the_file(tmp_path, write_idx):
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.ones((50, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(
        DatasetError, match=r"train-images-idx3-ubyte.gz: the gzip data is damaged or truncated"
    ):
        read_idx(path)


def test_tampered_gzip_fails_its_crc(tmp_path, write_idx):
    path = write_idx(tmp_path / "lb.gz", np.arange(200, dtype=np.uint8) % 10)
    data = bytearray(path.read_bytes())
    data[-6] ^= 0xFF  # inside the CRC32 trailer
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="lb.gz: the gzip data is damaged"):
        read_idx(path)


def test_parse_idx_from_bytes():
    header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")
    np.testing.assert_array_equal(parse_idx(header + bytes([7, 2, 1]), magic=2049), [7, 2, 1])


def test_tampered_file_fails_verification(tmp_path, mnist_like):
    """A file whose bytes change (even if it still parses) fails its pinned SHA-256."""
    _, specs = mnist_like(tmp_path / "d")
    spec = specs[1]  # train labels
    path = tmp_path / "d" / spec.name
    labels = spec.load(path)
    labels[0] = (labels[0] + 1) % 10
    path.write_bytes(
        gzip.compress(bytes([0, 0, 8, 1]) + len(labels).to_bytes(4, "big") + labels.tobytes())
    )
    with pytest.raises(ChecksumError, match=f"{spec.name}: SHA-256 .* is not the published value"):
        spec.load(path)
    assert spec.load(path, verify=False)[0] == labels[0]
