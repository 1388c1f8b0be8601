"""load_img / img_to_array / array_to_img / save_img / smart_resize against Keras 3, and the
`keras.preprocessing.image` aliases."""

import io

import numpy as np
import pytest
from PIL import Image

import strided
from strided.utils import array_to_img, img_to_array, load_img, save_img, smart_resize

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("img") / "photo.png"
    Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)).save(path)
    return str(path)


@pytest.mark.parametrize("kwargs", [
    {}, {"target_size": (20, 30)}, {"target_size": (20, 30), "interpolation": "bilinear"},
    {"target_size": (16, 16), "interpolation": "bicubic", "keep_aspect_ratio": True},
    {"color_mode": "grayscale", "target_size": (10, 12)}, {"color_mode": "rgba"},
], ids=str)
def test_load_img_and_img_to_array_equal_keras(photo, kwargs):
    ours, theirs = load_img(photo, **kwargs), keras.utils.load_img(photo, **kwargs)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    for data_format in ("channels_last", "channels_first"):
        for dtype in (None, "uint8", "float64"):
            a = img_to_array(ours, data_format=data_format, dtype=dtype)
            b = keras.utils.img_to_array(theirs, data_format=data_format, dtype=dtype)
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def test_load_img_accepts_bytes_io_and_pathlib(photo, tmp_path):
    import pathlib

    data = open(photo, "rb").read()
    assert np.array_equal(np.asarray(load_img(io.BytesIO(data))), np.asarray(load_img(pathlib.Path(photo))))
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_img(str(tmp_path / "missing.png"))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(photo, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        load_img(photo, target_size=(5, 5), interpolation="cubic")


@pytest.mark.parametrize("shape,kwargs", [
    ((6, 7, 3), {}), ((6, 7, 1), {}), ((6, 7, 4), {}), ((3, 6, 7), {"data_format": "channels_first"}),
    ((6, 7, 3), {"scale": False}), ((6, 7, 1), {"scale": False, "dtype": "float64"}),
], ids=str)
def test_array_to_img_equals_keras(shape, kwargs):
    x = np.random.default_rng(1).uniform(0, 300 if kwargs.get("scale") is False else 1, shape)
    ours, theirs = array_to_img(x, **kwargs), keras.utils.array_to_img(x, **kwargs)
    assert ours.mode == theirs.mode and np.array_equal(np.asarray(ours), np.asarray(theirs))
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))


def test_save_img_round_trip_equals_keras(tmp_path):
    x = np.random.default_rng(2).uniform(0, 1, (9, 11, 3))
    save_img(str(tmp_path / "ours.png"), x)
    keras.utils.save_img(str(tmp_path / "theirs.png"), x)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "ours.png")), np.asarray(Image.open(tmp_path / "theirs.png")))
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(str(tmp_path / "rgba.jpg"), np.ones((4, 4, 4)))
    buffer = io.BytesIO()
    save_img(buffer, x, file_format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"


@pytest.mark.parametrize("size", [(8, 8), (5, 12)])
def test_smart_resize_equals_keras(size):
    x = np.random.default_rng(3).uniform(0, 255, (2, 13, 21, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(keras.preprocessing.image.smart_resize(x, size))
    assert np.allclose(smart_resize(x, size), expected, atol=1e-3)
    assert np.allclose(smart_resize(x[0], size), expected[0], atol=1e-3)


def test_preprocessing_image_aliases_are_the_utils_functions():
    from strided.preprocessing import image

    for name in ("load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"):
        assert getattr(image, name) is getattr(strided.utils, name)
    assert strided.preprocessing.image_dataset_from_directory is strided.utils.image_dataset_from_directory
