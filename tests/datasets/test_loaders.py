"""The loaders end to end on small files in the original formats: search order, sources, errors, downloads."""

import hashlib
import io
import logging
import tarfile

import numpy as np
import pytest

import strided
from strided.datasets import cifar10, cifar100, fashion_mnist, fetch, mnist
from strided.datasets._cifar_family import CifarLayout
from strided.datasets.errors import ChecksumError, DatasetError, DatasetNotFoundError


@pytest.fixture
def small_fashion(isolated, mnist_like, monkeypatch):
    """Fashion-MNIST's loader pointed at small files: returns a function writing a copy into a folder."""
    arrays, specs = mnist_like(isolated / "master")
    monkeypatch.setattr(fashion_mnist, "FILES", specs)

    def copy_to(folder):
        folder.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            (folder / spec.name).write_bytes((isolated / "master" / spec.name).read_bytes())
        return folder

    return arrays, copy_to


def test_explicit_path(small_fashion, isolated):
    arrays, copy_to = small_fashion
    folder = copy_to(isolated / "mine")
    (x_train, _y_train), (_x_test, y_test) = fashion_mnist.load_data(path=folder)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_train.dtype == np.uint8 and x_train.shape == (20, 28, 28)
    assert fashion_mnist.source.startswith("path= ") and str(folder) in fashion_mnist.source


def test_explicit_path_is_not_a_fallback(small_fashion, isolated, monkeypatch):
    _, copy_to = small_fashion
    monkeypatch.setenv("STRIDED_DATA", str(copy_to(isolated / "env" / "fashion-mnist").parent))
    empty = isolated / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFoundError, match="no fashion_mnist files in path="):
        fashion_mnist.load_data(path=empty)
    with pytest.raises(DatasetNotFoundError, match="is not a folder"):
        fashion_mnist.load_data(path=isolated / "nope")


def test_broken_explicit_path_raises_the_file_error(small_fashion, isolated):
    _, copy_to = small_fashion
    folder = copy_to(isolated / "mine")
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz: SHA-256"):
        fashion_mnist.load_data(path=folder)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="incomplete copy, missing t10k-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data(path=folder)


def test_search_order(small_fashion, isolated, monkeypatch):
    _, copy_to = small_fashion
    keras = copy_to(isolated / "home" / ".keras" / "datasets" / "fashion-mnist")
    fashion_mnist.load_data(download=False)
    assert fashion_mnist.source == f"Keras cache {keras} (verified)"
    system = copy_to(isolated / "system" / "fashion-mnist")
    fashion_mnist.load_data(download=False)
    assert fashion_mnist.source.startswith(f"system copy {system}")
    env = copy_to(isolated / "env")  # files directly in $STRIDED_DATA also count
    monkeypatch.setenv("STRIDED_DATA", str(env))
    fashion_mnist.load_data(download=False)
    assert fashion_mnist.source.startswith(f"$STRIDED_DATA {env}")


def test_broken_copy_is_skipped_and_reported(small_fashion, isolated, caplog):
    _, copy_to = small_fashion
    system = copy_to(isolated / "system" / "fashion-mnist")
    keras = copy_to(isolated / "home" / ".keras" / "datasets" / "fashion-mnist")
    name = "train-images-idx3-ubyte.gz"
    (system / name).write_bytes((system / name).read_bytes()[:-10])  # truncated
    with caplog.at_level(logging.INFO, logger="strided.datasets"):
        fashion_mnist.load_data(download=False)
    assert fashion_mnist.source.startswith(f"Keras cache {keras}")
    assert "loaded from Keras cache" in caplog.text
    (keras / name).unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data(download=False)
    message = str(info.value)
    assert f"{system}: present but unusable: {system / name}: SHA-256" in message
    assert "incomplete copy, missing train-images-idx3-ubyte.gz" in message
    assert (
        "apt-get install dataset-fashion-mnist" in message and "load_data(sample=True)" in message
    )
    assert "strided data fetch fashion-mnist" in message


def test_not_found_lists_every_place(isolated):
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    for place in ("system copy", "Keras cache", "strided cache", "download: Could not download"):
        assert place in message
    assert (
        "network disabled in tests" in message
    )  # the download was attempted and its failure reported
    for url in fashion_mnist.MIRRORS:
        assert url in message


def test_offline_environment_skips_the_download(isolated, monkeypatch):
    monkeypatch.setenv("STRIDED_OFFLINE", "1")
    with pytest.raises(DatasetNotFoundError, match="download: not attempted"):
        mnist.load_data()


def test_download_into_the_cache(small_fashion, isolated, monkeypatch):
    """The last resort: mirrors (file:// here) -> verified files in ~/.cache/strided -> loaded."""
    arrays, _ = small_fashion
    monkeypatch.setattr(
        "strided.datasets._download._open_url",
        lambda url, timeout: __import__("urllib.request").request.urlopen(url, timeout=timeout),
    )
    monkeypatch.setattr(
        fashion_mnist,
        "MIRRORS",
        ((isolated / "nothing").as_uri() + "/", (isolated / "master").as_uri() + "/"),
    )
    (x_train, _), _ = fashion_mnist.load_data()
    cache = isolated / "home" / ".cache" / "strided" / "fashion-mnist"
    assert fashion_mnist.source == f"download {cache} (verified)"
    assert sorted(p.name for p in cache.iterdir()) == sorted(arrays)  # no temporary files
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    fashion_mnist.load_data()  # now found in the cache, without a download
    assert fashion_mnist.source.startswith("strided cache")
    assert fetch("Fashion_MNIST", progress=False) == cache


def test_fetch_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        fetch("imagenet")


def test_mnist_npz(isolated, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8) // 255 * 255,
        "y_train": np.zeros(60000, np.uint8),
        "x_test": np.zeros((10000, 28, 28), np.uint8),
        "y_test": np.ones(10000, np.uint8),
    }
    path = isolated / "home" / ".keras" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    np.savez_compressed(path, **arrays)
    with pytest.raises(
        DatasetNotFoundError, match=r"mnist.npz: SHA-256 .* is not the published value"
    ):
        mnist.load_data(download=False)
    monkeypatch.setattr(mnist, "NPZ_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    (x_train, _y_train), (_x_test, y_test) = mnist.load_data(download=False)
    assert mnist.source.startswith(f"Keras cache {path}")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    mnist.load_data(path=path)  # a file path, as Keras' path= argument
    assert mnist.source == f"path= {path}"


def test_mnist_idx_folder(isolated, mnist_like, monkeypatch):
    _arrays, specs = mnist_like(isolated / "env" / "mnist", n_train=30, n_test=5)
    monkeypatch.setattr(mnist, "FILES", specs)
    monkeypatch.setenv("STRIDED_DATA", str(isolated / "env"))
    (_, y_train), (x_test, _) = mnist.load_data(download=False)
    assert y_train.shape == (30,) and x_test.shape == (5, 28, 28)
    assert mnist.source.startswith("$STRIDED_DATA")


# ---- CIFAR ----------------------------------------------------------------------------------


def planes(n, offset):
    x = np.zeros((n, 3, 32, 32), np.uint8)
    x[:, 0] = (offset + np.arange(n))[:, None, None]  # red plane = image number
    x[:, 2, 4, 5] = 250  # blue pixel at row 4, column 5
    return x


def small_cifar10_layouts(binary, per_batch=2):
    if binary:
        return (
            CifarLayout(
                "cifar-10-binary.tar.gz",
                (),
                "",
                "",
                "cifar-10-batches-bin",
                tuple((f"data_batch_{i}.bin", per_batch) for i in range(1, 6)),
                (("test_batch.bin", per_batch),),
                True,
            ),
        )
    return (
        CifarLayout(
            "cifar-10-python.tar.gz",
            ("cifar-10-batches-py.tar.gz",),
            "",
            "",
            "cifar-10-batches-py",
            tuple((f"data_batch_{i}", per_batch) for i in range(1, 6)),
            (("test_batch", per_batch),),
            False,
        ),
    )


def write_cifar10(folder, binary, cifar_pickle, per_batch=2):
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        x = planes(per_batch, per_batch * k)
        labels = [(per_batch * k + j) % 10 for j in range(per_batch)]
        if binary:
            rows = np.concatenate(
                [np.array(labels, np.uint8)[:, None], x.reshape(per_batch, -1)], axis=1
            )
            (folder / f"{name}.bin").write_bytes(rows.tobytes())
        else:
            (folder / name).write_bytes(cifar_pickle(x.reshape(per_batch, -1), {"labels": labels}))
    return folder


def make_archive(folder, archive_path):
    with tarfile.open(archive_path, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return hashlib.sha256(archive_path.read_bytes()).hexdigest()


@pytest.mark.parametrize("binary", [False, True])
def test_cifar10_extracted_folder(isolated, cifar_pickle, monkeypatch, binary):
    monkeypatch.setattr(cifar10, "LAYOUTS", small_cifar10_layouts(binary))
    name = "cifar-10-batches-bin" if binary else "cifar-10-batches-py"
    folder = write_cifar10(isolated / "home" / ".keras" / "datasets" / name, binary, cifar_pickle)
    (x_train, y_train), (x_test, _y_test) = cifar10.load_data(download=False)
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_train[:, 0, 0, 0].tolist() == list(range(10)) and x_test[1, 0, 0, 0] == 11
    assert (x_train[:, 4, 5, 2] == 250).all() and x_train[:, 5, 4, 2].max() == 0  # row 4, column 5
    assert y_train[:, 0].tolist() == [i % 10 for i in range(10)]
    assert (
        cifar10.source
        == f"Keras cache {folder} (extracted copy: structure checked, no published checksums)"
    )


def test_cifar10_channels_first(isolated, cifar_pickle, monkeypatch):
    monkeypatch.setattr(cifar10, "LAYOUTS", small_cifar10_layouts(True))
    write_cifar10(isolated / "d" / "cifar-10-batches-bin", True, cifar_pickle)
    strided.set_image_data_format("channels_first")
    try:
        (x_train, _), _ = cifar10.load_data(path=isolated / "d")
    finally:
        strided.set_image_data_format("channels_last")
    assert (
        x_train.shape == (10, 3, 32, 32) and x_train[3, 0, 0, 0] == 3 and x_train[0, 2, 4, 5] == 250
    )


def test_cifar10_archive_verified_and_tampered(isolated, cifar_pickle, monkeypatch):
    folder = write_cifar10(isolated / "build" / "cifar-10-batches-py", False, cifar_pickle)
    archive = isolated / "data" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    digest = make_archive(folder, archive)
    (layout,) = small_cifar10_layouts(False)
    monkeypatch.setattr(cifar10, "LAYOUTS", (CifarLayout(**{**layout.__dict__, "sha256": digest}),))
    (x_train, _), _ = cifar10.load_data(path=isolated / "data")
    assert x_train.shape == (10, 32, 32, 3) and cifar10.source == f"path= {archive} (verified)"
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ChecksumError, match="cifar-10-python.tar.gz: SHA-256"):
        cifar10.load_data(path=isolated / "data")
    with pytest.raises(DatasetError, match="cifar-10-python.tar.gz: damaged or truncated archive"):
        cifar10.load_data(path=isolated / "data", verify=False)


def test_cifar10_broken_batch_names_the_file(isolated, cifar_pickle, monkeypatch):
    monkeypatch.setattr(cifar10, "LAYOUTS", small_cifar10_layouts(True))
    folder = write_cifar10(isolated / "d" / "cifar-10-batches-bin", True, cifar_pickle)
    (folder / "data_batch_3.bin").write_bytes((folder / "data_batch_3.bin").read_bytes()[:3073])
    with pytest.raises(
        DatasetError, match=r"cifar-10-batches-bin/data_batch_3.bin: holds 1 images, expected 2"
    ):
        cifar10.load_data(path=isolated / "d")


def test_cifar10_download(isolated, cifar_pickle, monkeypatch):
    folder = write_cifar10(isolated / "build" / "cifar-10-batches-bin", True, cifar_pickle)
    digest = make_archive(folder, isolated / "build" / "served.tar.gz")
    (layout,) = small_cifar10_layouts(True)
    layout = CifarLayout(
        **{
            **layout.__dict__,
            "sha256": digest,
            "url": (isolated / "build" / "served.tar.gz").as_uri(),
        }
    )
    monkeypatch.setattr(cifar10, "LAYOUTS", (layout,))
    monkeypatch.setattr(
        "strided.datasets._download._open_url",
        lambda url, timeout: __import__("urllib.request").request.urlopen(url, timeout=timeout),
    )
    (x_train, _), _ = cifar10.load_data()
    cached = isolated / "home" / ".cache" / "strided" / "cifar10" / "cifar-10-binary.tar.gz"
    assert cifar10.source == f"download {cached} (verified)" and x_train.shape == (10, 32, 32, 3)


@pytest.mark.parametrize("binary", [False, True])
def test_cifar100_fine_and_coarse(isolated, cifar_pickle, monkeypatch, binary):
    fine, coarse = [99, 0, 42], [19, 0, 8]
    x = planes(3, 0)
    folder = isolated / "d" / ("cifar-100-binary" if binary else "cifar-100-python")
    folder.mkdir(parents=True)
    for name in ("train", "test"):
        if binary:
            rows = np.concatenate([np.array([coarse, fine], np.uint8).T, x.reshape(3, -1)], axis=1)
            (folder / f"{name}.bin").write_bytes(rows.tobytes())
        else:
            (folder / name).write_bytes(
                cifar_pickle(x.reshape(3, -1), {"fine_labels": fine, "coarse_labels": coarse})
            )
    suffix = ".bin" if binary else ""
    layout = CifarLayout(
        "a.tar.gz",
        (),
        "",
        "",
        folder.name,
        ((f"train{suffix}", 3),),
        ((f"test{suffix}", 3),),
        binary,
    )
    monkeypatch.setattr(cifar100, "LAYOUTS", (layout,))
    (x_train, y_train), (_, y_test) = cifar100.load_data(path=isolated / "d")
    assert y_train[:, 0].tolist() == fine and y_train.dtype == np.int64 and y_test.shape == (3, 1)
    assert x_train.shape == (3, 32, 32, 3) and x_train[2, 0, 0, 0] == 2
    (_, y_train), _ = cifar100.load_data(label_mode="coarse", path=isolated / "d")
    assert y_train[:, 0].tolist() == coarse


def test_cifar100_label_mode_is_checked():
    with pytest.raises(
        ValueError, match="label_mode must be 'fine' or 'coarse'. Received: label_mode='medium'"
    ):
        cifar100.load_data(label_mode="medium")


def test_tar_members_are_read_not_extracted(isolated, cifar_pickle, monkeypatch):
    """A member path like ../../evil in an archive can never be written anywhere."""
    folder = write_cifar10(isolated / "build" / "cifar-10-batches-py", False, cifar_pickle)
    archive = isolated / "data" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
        info = tarfile.TarInfo("../../evil")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    (layout,) = small_cifar10_layouts(False)
    monkeypatch.setattr(cifar10, "LAYOUTS", (layout,))
    cifar10.load_data(path=isolated / "data", verify=False)
    assert not (isolated.parent / "evil").exists() and not (isolated / "evil").exists()
