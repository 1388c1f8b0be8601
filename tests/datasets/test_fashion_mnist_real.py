"""The real Fashion-MNIST (Debian's dataset-fashion-mnist, which CI installs) and the bundled sample."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from strided.datasets import fashion_mnist, sources
from strided.datasets.idx import read_bytes
from strided.datasets.make_sample import array_digest, build

SYSTEM = Path("/usr/share/datasets/fashion-mnist")
needs_system_copy = pytest.mark.skipif(
    not SYSTEM.is_dir(), reason="apt-get install dataset-fashion-mnist"
)

# MD5s Zalando publishes for its .gz files (README of zalandoresearch/fashion-mnist)
PUBLISHED_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
# the modification times stored in the gzip headers of Zalando's files (2017-08-31)
UPSTREAM_MTIME = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


@pytest.fixture(scope="module")
def full():
    data = fashion_mnist.load_data(path=SYSTEM, download=False)
    return data, fashion_mnist.source


@needs_system_copy
def test_full_dataset_shapes_dtypes_and_counts(full):
    ((x_train, y_train), (x_test, y_test)), source = full
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0
    assert source == f"path= {SYSTEM} (verified)"


@needs_system_copy
def test_system_copy_is_found_by_the_search(monkeypatch):
    monkeypatch.delenv("STRIDED_DATA", raising=False)
    monkeypatch.setattr(sources, "SYSTEM_DIRS", ("/usr/share/datasets",))
    (_, y_train), _ = fashion_mnist.load_data(download=False)
    assert fashion_mnist.source.startswith("system copy") or fashion_mnist.source.startswith(
        "$STRIDED_DATA"
    )
    assert len(y_train) == 60000


@needs_system_copy
@pytest.mark.parametrize("spec", fashion_mnist.FILES, ids=lambda s: s.name)
def test_checksums_of_the_system_files(spec):
    """Each file matches a pinned SHA-256 and its IDX content is the pinned, upstream one.

    Debian's .gz differ from Zalando's only in the 10-byte gzip header (no stored file name, a
    2020 time stamp); the compressed stream is the same, so putting Zalando's header back gives
    the exact published bytes: Zalando's MD5 and the SHA-256 pinned for downloads.
    """
    raw = (SYSTEM / spec.name).read_bytes()
    assert hashlib.sha256(raw).hexdigest() in spec.sha256
    assert hashlib.sha256(read_bytes(SYSTEM / spec.name)).hexdigest() == spec.content_sha256
    if raw[3] == 0:  # no FNAME flag: Debian's copy; restore the header Zalando's file has
        name = spec.name.removesuffix(".gz").encode() + b"\0"
        mtime = UPSTREAM_MTIME[spec.name].to_bytes(4, "little")
        raw = raw[:3] + b"\x08" + mtime + raw[8:10] + name + raw[10:]
    assert hashlib.md5(raw).hexdigest() == PUBLISHED_MD5[spec.name]
    assert hashlib.sha256(raw).hexdigest() == spec.sha256[0]


# ---- the bundled sample (always runs: it ships inside the package) --------------------------


def test_sample_loads_offline_and_is_balanced(isolated):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    assert x_train.shape == (3000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [300] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert fashion_mnist.source.startswith("bundled sample")
    assert x_train.std() > 50  # real images, not blanks


def test_sample_matches_its_readme():
    readme = (fashion_mnist.SAMPLE_PATH.parent / "README.md").read_text()
    assert "MIT" in readme and "Zalando" in readme
    digests = dict(re.findall(r"- `(\w+)`: `([0-9a-f]{64})`", readme))
    with np.load(fashion_mnist.SAMPLE_PATH, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(digests)
        for key, digest in digests.items():
            assert array_digest(archive[key]) == digest, key


def test_sample_is_small():
    assert fashion_mnist.SAMPLE_PATH.stat().st_size < 3_000_000


@needs_system_copy
def test_sample_is_reproducible_from_the_full_data(full):
    ((x_train, y_train), (x_test, y_test)), _ = full
    rebuilt = build(x_train, y_train, x_test, y_test)
    with np.load(fashion_mnist.SAMPLE_PATH, allow_pickle=False) as archive:
        for key, value in rebuilt.items():
            np.testing.assert_array_equal(archive[key], value, err_msg=key)
