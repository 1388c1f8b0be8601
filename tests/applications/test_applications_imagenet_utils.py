"""preprocess_input, decode_predictions and fetching published weight files (no network needed)."""

import hashlib
import io
import json
import urllib.error

import numpy as np
import pytest

from strided import applications
from strided.applications import _weights, imagenet_utils
from strided.autograd import Tensor
from strided.datasets import _download
from strided.datasets.errors import ChecksumError


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 255, (2, 4, 5, 3)).astype("float32")


def test_caffe_mode_flips_to_bgr_and_subtracts_the_means(images):
    out = imagenet_utils.preprocess_input(images, mode="caffe")
    expected = images[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype="float32")
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32


def test_tf_and_torch_modes(images):
    np.testing.assert_allclose(
        imagenet_utils.preprocess_input(images, mode="tf"), images / 127.5 - 1, rtol=1e-6
    )
    torch_mode = imagenet_utils.preprocess_input(images, mode="torch")
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(torch_mode, (images / 255 - mean) / std, rtol=1e-5, atol=1e-6)


def test_channels_first_matches_channels_last(images):
    first = imagenet_utils.preprocess_input(
        images.transpose(0, 3, 1, 2), data_format="channels_first", mode="caffe"
    )
    np.testing.assert_allclose(
        first.transpose(0, 2, 3, 1), imagenet_utils.preprocess_input(images, mode="caffe")
    )
    single = imagenet_utils.preprocess_input(images[0], mode="torch")
    np.testing.assert_allclose(single, imagenet_utils.preprocess_input(images, mode="torch")[0])


def test_integer_input_becomes_float_and_input_is_not_modified():
    pixels = np.full((1, 2, 2, 3), 255, dtype=np.uint8)
    out = applications.mobilenet_v2.preprocess_input(pixels)
    assert out.dtype == np.float32 and np.all(out == 1.0)
    floats = pixels.astype("float64")
    applications.vgg16.preprocess_input(floats)
    assert np.all(floats == 255.0)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_tensor_input_is_differentiable_and_agrees(images, mode):
    x = Tensor(images, requires_grad=True)
    out = imagenet_utils.preprocess_input(x, mode=mode)
    np.testing.assert_allclose(
        out.numpy(), imagenet_utils.preprocess_input(images, mode=mode), rtol=1e-6
    )
    out.sum().backward()
    scale = {
        "caffe": np.ones(3),
        "tf": np.full(3, 1 / 127.5),
        "torch": 1 / (255 * np.array([0.229, 0.224, 0.225])),
    }
    np.testing.assert_allclose(x.grad[0, 0, 0], scale[mode], rtol=1e-5)


def test_family_preprocessing_modes(images):
    np.testing.assert_allclose(
        applications.resnet50.preprocess_input(images),
        imagenet_utils.preprocess_input(images, mode="caffe"),
    )
    np.testing.assert_allclose(
        applications.inception_v3.preprocess_input(images), images / 127.5 - 1, rtol=1e-6
    )
    np.testing.assert_allclose(
        applications.resnet_basic.preprocess_input(images),
        imagenet_utils.preprocess_input(images, mode="torch"),
    )
    assert applications.efficientnet.preprocess_input(images) is images
    np.testing.assert_allclose(
        applications.lenet.preprocess_input(np.array([0, 255], np.uint8)), [0.0, 1.0]
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="keras")
    with pytest.raises(ValueError, match="4-D"):
        imagenet_utils.preprocess_input(np.zeros((2, 2)), mode="caffe")


@pytest.fixture
def fake_index(tmp_path):
    path = tmp_path / "index.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(4)}))
    return path


def test_decode_predictions_with_a_local_index(fake_index):
    preds = np.array([[0.1, 0.6, 0.05, 0.25], [0.7, 0.1, 0.1, 0.1]])
    top = imagenet_utils.decode_predictions(preds, top=2, class_index=fake_index)
    assert [t[:2] for t in top[0]] == [("n00000001", "class_1"), ("n00000003", "class_3")]
    assert top[0][0][2] == pytest.approx(0.6) and len(top[1]) == 2
    with pytest.raises(ValueError, match=r"\(samples, 4\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 5)), class_index=fake_index)


def test_lenet_decodes_digits():
    best = applications.lenet.decode_predictions(np.eye(10)[[7]], top=1)
    assert best[0][0][:2] == ("7", "7")


class _FakeResponse(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """An empty strided cache and home; no network unless a test serves files."""
    monkeypatch.setenv("STRIDED_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    served = {}

    def open_url(url, timeout):
        if url not in served:
            raise urllib.error.URLError("no network in tests")
        served.setdefault("requests", []).append(url)
        return _FakeResponse(served[url])

    monkeypatch.setattr(_download, "_open_url", open_url)
    return served


def test_offline_class_index_error_names_the_file(isolated_cache, tmp_path):
    with pytest.raises(OSError) as info:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    message = str(info.value)
    assert "imagenet_class_index.json" in message and str(tmp_path / "cache" / "models") in message
    assert isinstance(info.value, _weights.WeightsUnavailableError)


def test_download_checks_md5_and_is_cached(isolated_cache, tmp_path):
    data = b"pretend weights"
    entry = _weights.WeightsFile(
        "w.h5", "https://example.org/w.h5", md5=hashlib.md5(data).hexdigest()
    )
    isolated_cache[entry.url] = data
    path = _weights.fetch(entry, progress=False)
    assert path == tmp_path / "cache" / "models" / "w.h5" and path.read_bytes() == data
    assert _weights.fetch(entry, progress=False) == path
    assert isolated_cache["requests"] == [entry.url]  # the second call used the cache


def test_a_damaged_download_is_rejected_and_removed(isolated_cache, tmp_path):
    entry = _weights.WeightsFile("w.h5", "https://example.org/w.h5", md5="0" * 32)
    isolated_cache[entry.url] = b"something else"
    with pytest.raises(ChecksumError):
        _weights.fetch(entry, progress=False)
    assert not list((tmp_path / "cache" / "models").iterdir())


def test_torchvision_prefix_and_trust_on_first_use(isolated_cache, tmp_path):
    data = b"torch weights"
    prefix = hashlib.sha256(data).hexdigest()[:8]
    entry = _weights.torchvision_file(f"net-{prefix}.pth")
    assert entry.sha256_prefix == prefix
    isolated_cache[entry.url] = data
    assert _weights.fetch(entry, progress=False).read_bytes() == data
    unpinned = _weights.WeightsFile("m.h5", "https://example.org/m.h5")
    isolated_cache[unpinned.url] = b"first"
    path = _weights.fetch(unpinned, progress=False)
    assert (tmp_path / "cache" / "models" / "m.h5.sha256").read_text().strip() == hashlib.sha256(
        b"first"
    ).hexdigest()
    path.write_bytes(b"tampered")
    assert not _weights.verify(path, unpinned)


def test_keras_cache_is_reused(isolated_cache, tmp_path):
    data = b"from keras"
    keras_copy = tmp_path / "home" / ".keras" / "models" / "k.h5"
    keras_copy.parent.mkdir(parents=True)
    keras_copy.write_bytes(data)
    entry = _weights.WeightsFile(
        "k.h5", "https://example.org/k.h5", md5=hashlib.md5(data).hexdigest()
    )
    assert _weights.fetch(entry, progress=False) == keras_copy


def test_imagenet_weights_offline_name_the_file_to_place(isolated_cache):
    with pytest.raises(
        _weights.WeightsUnavailableError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    ):
        applications.VGG16(include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(OSError, match="resnet50_weights_tf_dim_ordering_tf_kernels.h5"):
        applications.ResNet50()
