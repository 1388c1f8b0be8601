"""strided.torchvision.datasets: torchvision's items and attributes over strided's loaders."""

from pathlib import Path

import numpy as np
import pytest
import torch as real
from PIL import Image

import strided.torch as torch
from strided.datasets import DatasetNotFoundError, cifar10, fashion_mnist, sources
from strided.torch.utils.data import DataLoader
from strided.torchvision import datasets, transforms
from strided.torchvision.datasets import vision

SYSTEM = Path("/usr/share/datasets/fashion-mnist")
needs_system_copy = pytest.mark.skipif(not SYSTEM.is_dir(), reason="apt-get install dataset-fashion-mnist")


@pytest.fixture(autouse=True)
def fresh_cache():
    vision._LOADED.clear()
    yield
    vision._LOADED.clear()


def test_fashion_mnist_items_are_pil_images_and_int_labels():
    (_, _), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    test = datasets.FashionMNIST("unused", train=False, sample=True)
    image, label = test[3]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert type(label) is int and label == y_test[3]
    assert np.array_equal(np.asarray(image), x_test[3])
    assert len(test) == len(x_test) == 1000
    assert test.data.dtype == torch.uint8 and tuple(test.data.shape) == (1000, 28, 28)
    assert test.targets.dtype == torch.int64 and test.targets.tolist() == y_test.tolist()
    assert test.classes[9] == "Ankle boot" and test.class_to_idx["Bag"] == 8
    assert "Split: Test" in repr(test) and "Number of datapoints: 1000" in repr(test)


def test_to_tensor_normalize_and_target_transform_through_a_loader():
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    train = datasets.FashionMNIST("unused", train=True, sample=True, transform=pipeline,
                                  target_transform=lambda y: y + 100)
    (x_train, y_train), _ = fashion_mnist.load_data(sample=True)
    images, labels = next(iter(DataLoader(train, batch_size=16)))
    assert tuple(images.shape) == (16, 1, 28, 28) and images.dtype == torch.float32
    expected = (real.from_numpy(x_train[:16]).float().div(255).unsqueeze(1) - 0.2860) / 0.3530
    np.testing.assert_allclose(images.numpy(), expected.numpy(), atol=1e-6)
    assert labels.tolist() == (y_train[:16].astype(int) + 100).tolist()


def _nowhere(tmp_path, monkeypatch):
    monkeypatch.delenv("STRIDED_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("STRIDED_OFFLINE", "1")
    monkeypatch.setattr(sources, "SYSTEM_DIRS", ())
    monkeypatch.setattr(sources, "KERAS_DIR", str(tmp_path / "keras"))


def test_missing_data_gives_one_clear_error(tmp_path, monkeypatch):
    _nowhere(tmp_path, monkeypatch)
    with pytest.raises(DatasetNotFoundError, match=r"MNIST: dataset not found in root=.*download=True(.|\n)*Tried"):
        datasets.MNIST(tmp_path, download=False)
    with pytest.raises(DatasetNotFoundError, match=r"STRIDED_OFFLINE"):
        datasets.CIFAR10(tmp_path, download=True)


def test_cifar_items_are_rgb_images_in_either_channel_layout(monkeypatch, rng):
    images = rng.integers(0, 256, (6, 3, 32, 32), dtype=np.uint8)
    labels = np.arange(6, dtype=np.uint8).reshape(-1, 1)
    for layout in (images, images.transpose(0, 2, 3, 1)):
        vision._LOADED.clear()
        monkeypatch.setattr(cifar10, "load_data", lambda path=None, download=True, _x=layout: (
            (_x[:4], labels[:4]), (_x[4:], labels[4:])))
        train = datasets.CIFAR10("unused", train=True, transform=transforms.ToTensor())
        assert train.data.shape == (4, 32, 32, 3) and train.targets == [0, 1, 2, 3]
        tensor, label = train[1]
        assert tuple(tensor.shape) == (3, 32, 32) and label == 1
        assert np.array_equal(tensor.numpy(), images[1] / np.float32(255))
        assert datasets.CIFAR10("unused", train=False)[0][0].mode == "RGB"
    assert len(datasets.CIFAR100.classes) == 100 and datasets.CIFAR100.classes[-1] == "worm"


@needs_system_copy
def test_real_fashion_mnist_with_to_tensor_and_normalize():
    train = datasets.FashionMNIST("data", train=True, download=False, transform=transforms.ToTensor())
    test = datasets.FashionMNIST("data", train=False, download=False)
    assert len(train) == 60000 and len(test) == 10000
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    mean = float(train.data.numpy().mean() / 255)
    assert abs(mean - 0.2860) < 1e-3  # the statistics used by Normalize((0.2860,), (0.3530,))
    image, label = train[59999]
    assert np.array_equal(image.numpy()[0] * 255, train.data.numpy()[59999].astype(np.float32))
    assert label == int(train.targets[59999])


@needs_system_copy
def test_root_in_torchvisions_layout_is_read_first(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for spec in fashion_mnist.FILES:
        (raw / spec.name).symlink_to(SYSTEM / spec.name)
    datasets.FashionMNIST(tmp_path, train=False)
    assert fashion_mnist.source.startswith(f"path= {raw}")


def test_image_folder_reads_class_folders_in_torchvisions_order(tmp_path, rng):
    pixels = {}
    for name in ("dog/b.png", "dog/sub/a.png", "cat/z.png", "cat/notes.txt", "cat/y.JPG"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".txt"):
            path.write_text("not an image")
            continue
        array = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
        Image.fromarray(array).save(path, format="PNG")  # PNG bytes even under .JPG: lossless
        pixels[str(path)] = array
    folder = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor())
    assert folder.classes == ["cat", "dog"] and folder.class_to_idx == {"cat": 0, "dog": 1}
    assert [Path(p).relative_to(tmp_path).as_posix() for p, _ in folder.samples] == [
        "cat/y.JPG", "cat/z.png", "dog/b.png", "dog/sub/a.png"]
    assert folder.targets == [0, 0, 1, 1] and len(folder) == 4
    image, label = folder[3]
    assert label == 1 and np.array_equal(image.numpy(), pixels[folder.samples[3][0]].transpose(2, 0, 1) / np.float32(255))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 4
