"""`keras.ops.image` against Keras 3 (TensorFlow's kernels) on the same images."""

import numpy as np
import pytest

from strided import ops

keras = pytest.importorskip("keras")

IMAGES = np.random.default_rng(0).uniform(0, 1, (2, 9, 11, 3)).astype("float32")
# An affine map (rotation/shear/shift) whose sample points avoid exact half-pixels.
TRANSFORMS = np.array([[0.9, 0.1, 1.3, -0.2, 1.1, 0.45, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]], "float32")

CASES = [
    ("resize", (IMAGES, (5, 7)), {}), ("resize", (IMAGES, (14, 20)), {"interpolation": "nearest"}),
    ("resize", (IMAGES, (6, 6)), {"crop_to_aspect_ratio": True}),
    ("resize", (IMAGES, (6, 6)), {"pad_to_aspect_ratio": True}),
    ("resize", (IMAGES[0], (4, 4)), {}),
    ("resize", (IMAGES.transpose(0, 3, 1, 2), (5, 4)), {"data_format": "channels_first"}),
    ("crop_images", (IMAGES, 1, 2), {"target_height": 4, "target_width": 5}),
    ("crop_images", (IMAGES,), {"top_cropping": 1, "bottom_cropping": 2, "left_cropping": 0, "right_cropping": 3}),
    ("crop_images", (IMAGES,), {"bottom_cropping": 2, "target_height": 5, "right_cropping": 3, "target_width": 4}),
    ("pad_images", (IMAGES, 1, 2), {"target_height": 12, "target_width": 15}),
    ("pad_images", (IMAGES[0], 2, 0), {"bottom_padding": 1, "right_padding": 3}),
    ("pad_images", (IMAGES,), {"bottom_padding": 1, "target_height": 12, "right_padding": 2, "target_width": 14}),
    ("rgb_to_grayscale", (IMAGES,), {}), ("rgb_to_hsv", (IMAGES,), {}), ("hsv_to_rgb", (IMAGES,), {}),
    ("extract_patches", (IMAGES, 3), {}), ("extract_patches", (IMAGES, (2, 3)), {"strides": 2, "padding": "same"}),
    *[("affine_transform", (IMAGES, TRANSFORMS), {"interpolation": interpolation, "fill_mode": fill_mode,
                                                   "fill_value": 0.3})
      for interpolation in ("bilinear", "nearest") for fill_mode in ("constant", "nearest", "wrap", "reflect")],
    ("affine_transform", (IMAGES[0], TRANSFORMS[0]), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_equal_keras(name, args, kwargs):
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops.image, name)(*args, **kwargs))
    ours = ops.convert_to_numpy(getattr(ops.image, name)(*args, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.allclose(ours, theirs, atol=1e-4)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="rank"):
        ops.image.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.affine_transform(IMAGES, TRANSFORMS, fill_mode="edge")
    with pytest.raises(ValueError, match="transform"):
        ops.image.affine_transform(IMAGES, np.zeros(6))
    with pytest.raises(ValueError, match="does not fit"):
        ops.image.crop_images(IMAGES, 5, 0, target_height=6, target_width=2)
    with pytest.raises(ValueError, match="exactly two"):
        ops.image.crop_images(IMAGES, target_height=6, target_width=2)
    with pytest.raises(ValueError, match="3 channels"):
        ops.image.rgb_to_grayscale(np.zeros((1, 4, 4, 2)))


def test_resize_keeps_integer_images_integer_as_keras():
    import keras as real_keras

    import strided

    x = np.random.default_rng(7).integers(0, 256, (2, 5, 7, 3)).astype("uint8")
    for size in ((3, 4), (9, 13)):
        for interpolation in ("bilinear", "nearest"):
            expected = np.asarray(real_keras.ops.image.resize(x, size, interpolation=interpolation))
            got = strided.ops.image.resize(x, size, interpolation=interpolation).numpy()
            assert got.dtype == expected.dtype == np.uint8 and got.shape == expected.shape
            # TensorFlow rounds its float32 result; the two float paths may straddle a .5
            assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
