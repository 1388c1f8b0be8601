"""ImageDataGenerator: Keras semantics, exact geometry, seeding, statistics and flow()."""

import numpy as np
import pytest

from strided.preprocessing.image import ImageDataGenerator
from strided.utils.random import set_random_seed


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3)).astype(np.uint8)


def dot(h=8, w=8, at=(1, 2)):
    x = np.zeros((h, w, 1), np.float32)
    x[at] = 1.0
    return x


def position(image):
    return tuple(int(i) for i in np.argwhere(image[..., 0] > 0.5)[0])


def test_zero_range_generator_is_the_identity(images):
    gen = ImageDataGenerator()
    np.testing.assert_array_equal(
        gen.random_transform(images[0], seed=1), images[0].astype(np.float32)
    )
    xb, yb = next(gen.flow(images, np.arange(10), batch_size=4, shuffle=False))
    np.testing.assert_array_equal(xb, images[:4].astype(np.float32))
    assert xb.dtype == np.float32 and yb.tolist() == [0, 1, 2, 3]


def test_rotation_by_90_degrees_moves_a_known_pixel():
    gen = ImageDataGenerator(rotation_range=90)
    out = gen.apply_transform(dot(at=(1, 2)), {"theta": 90.0})
    assert position(out) == (2, 6)  # (r, c) -> (c, H - 1 - r)
    assert out.sum() == pytest.approx(1.0)


def test_flip_is_its_own_inverse(images):
    gen = ImageDataGenerator(horizontal_flip=True, vertical_flip=True)
    x = images[0].astype(np.float32)
    for key in ("flip_horizontal", "flip_vertical"):
        once = gen.apply_transform(x, {key: True})
        np.testing.assert_array_equal(once, x[:, ::-1] if key == "flip_horizontal" else x[::-1])
        np.testing.assert_array_equal(gen.apply_transform(once, {key: True}), x)


def test_random_flips_give_either_the_image_or_its_mirror(images):
    gen = ImageDataGenerator(horizontal_flip=True)
    x = images.astype(np.float32)
    out = gen.transform_batch(x, rng=0)
    flipped = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)]
    kept = [np.array_equal(o, i) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


@pytest.mark.parametrize("k", [1, 3])
def test_shift_by_k_pixels_moves_a_pixel_by_k(k):
    gen = ImageDataGenerator(fill_mode="constant")
    assert position(gen.apply_transform(dot(at=(4, 4)), {"tx": k})) == (4 - k, 4)
    assert position(gen.apply_transform(dot(at=(4, 4)), {"ty": -k})) == (4, 4 + k)


def test_parameter_ranges():
    gen = ImageDataGenerator(
        rotation_range=30,
        width_shift_range=0.25,
        height_shift_range=3,
        shear_range=5,
        zoom_range=0.2,
    )
    p = gen.draw_parameters(2000, (28, 28, 1), np.random.default_rng(0))
    assert np.abs(p["theta"]).max() <= 30 and np.abs(p["theta"]).max() > 25
    assert np.abs(p["ty"]).max() <= 7.0 and np.abs(p["ty"]).max() > 6  # 0.25 of the width 28
    assert set(np.unique(p["tx"])) == {-2.0, -1.0, 0.0, 1.0, 2.0}  # int: whole pixels in (-3, 3)
    assert np.abs(p["shear"]).max() <= 5
    assert 0.8 <= p["zx"].min() and p["zy"].max() <= 1.2 and not np.array_equal(p["zx"], p["zy"])
    listed = ImageDataGenerator(width_shift_range=[-2, 4]).draw_parameters(
        500, (8, 8, 1), np.random.default_rng(0)
    )
    assert set(np.unique(listed["ty"])) <= {-4.0, -2.0, 2.0, 4.0}


def test_get_random_transform_has_keras_keys():
    params = ImageDataGenerator(rotation_range=10).get_random_transform((8, 8, 1), seed=0)
    assert {
        "theta",
        "tx",
        "ty",
        "shear",
        "zx",
        "zy",
        "flip_horizontal",
        "flip_vertical",
        "channel_shift_intensity",
        "brightness",
    } == set(params)
    assert isinstance(params["theta"], float) and -10 <= params["theta"] <= 10


def test_seeded_and_repeatable(images):
    gen = ImageDataGenerator(
        rotation_range=40, zoom_range=0.3, horizontal_flip=True, width_shift_range=0.2
    )
    a, b = gen.random_transform(images[0], seed=7), gen.random_transform(images[0], seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gen.random_transform(images[0], seed=8))
    first = [next(gen.flow(images, seed=3, batch_size=5)) for _ in range(2)]
    it1, it2 = (
        gen.flow(images, np.arange(10), seed=3, batch_size=4),
        gen.flow(images, np.arange(10), seed=3, batch_size=4),
    )
    for _ in range(5):
        (x1, y1), (x2, y2) = next(it1), next(it2)
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(first[0], first[1])


def test_batch_path_equals_single_image_path(images):
    gen = ImageDataGenerator(
        rotation_range=30, shear_range=10, zoom_range=0.2, fill_mode="reflect", vertical_flip=True
    )
    params = gen.draw_parameters(len(images), images.shape[1:], np.random.default_rng(1))
    batch = gen.apply_transform_batch(images, params)
    for i in range(len(images)):
        single = gen.apply_transform(
            images[i], {k: (None if v is None else v[i]) for k, v in params.items()}
        )
        np.testing.assert_allclose(batch[i], single, rtol=1e-6)


def test_channels_first_gives_the_same_numbers(images):
    last = ImageDataGenerator(rotation_range=45, data_format="channels_last")
    first = ImageDataGenerator(rotation_range=45, data_format="channels_first")
    params = last.draw_parameters(len(images), images.shape[1:], np.random.default_rng(2))
    np.testing.assert_allclose(
        first.apply_transform_batch(images.transpose(0, 3, 1, 2), params),
        last.apply_transform_batch(images, params).transpose(0, 3, 1, 2),
        rtol=1e-6,
    )


def test_constant_fill_uses_cval():
    gen = ImageDataGenerator(fill_mode="constant", cval=-1.0)
    out = gen.apply_transform(np.ones((6, 6, 1), np.float32), {"ty": 2})
    assert (out[:, -2:] == -1).all() and (out[:, :-2] == 1).all()


def test_rescale_and_featurewise_statistics(images):
    gen = ImageDataGenerator(
        rescale=1 / 255, featurewise_center=True, featurewise_std_normalization=True
    )
    with pytest.raises(
        ValueError, match=r"featurewise_center=True needs statistics.*\.fit\(x_train\)"
    ):
        gen.standardize(images[0])
    gen.fit(images)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    np.testing.assert_allclose(gen.mean.ravel(), (images / 255).mean(axis=(0, 1, 2)), rtol=1e-5)
    out = np.concatenate([gen.flow(images, batch_size=5, shuffle=False)[i] for i in range(2)])
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_samplewise_normalisation(images):
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = gen.transform_batch(images, rng=0)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)


def test_zca_whitening_decorrelates():
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(8, 8))
    x = (rng.normal(size=(4000, 8)) @ mixing).reshape(4000, 2, 2, 2).astype(np.float32)
    gen = ImageDataGenerator(featurewise_center=True, zca_whitening=True, zca_epsilon=1e-9).fit(x)
    flat = gen.standardize(x).reshape(4000, -1).astype(np.float64)
    np.testing.assert_allclose(flat.T @ flat / len(flat), np.eye(8), atol=1e-2)


def test_channel_shift_and_brightness(images):
    gen = ImageDataGenerator(channel_shift_range=50)
    out = gen.apply_transform(images[0], {"channel_shift_intensity": 30.0})
    x = images[0].astype(np.float32)
    np.testing.assert_allclose(out, np.clip(x + 30, x.min(), x.max()))
    out = ImageDataGenerator(brightness_range=(0.5, 1.5)).apply_transform(x, {"brightness": 0.5})
    np.testing.assert_allclose(out, x * 0.5)


def test_flow_is_endless_with_len_steps_per_epoch(images):
    gen = ImageDataGenerator()
    it = gen.flow(images, np.arange(10), batch_size=4, seed=0)
    assert len(it) == 3
    seen = [next(it) for _ in range(3)]
    assert [len(b[0]) for b in seen] == [4, 4, 2]
    labels = np.concatenate([b[1] for b in seen])
    assert sorted(labels) == list(range(10))  # one epoch sees every sample once
    for xb, yb in seen:  # x and y stay paired
        np.testing.assert_array_equal(xb, images[yb].astype(np.float32))
    assert len(next(it)[0]) == 4  # and then a new epoch starts
    assert it[2][0].shape == (2, 8, 8, 3)
    with pytest.raises(IndexError, match="has 3 batches"):
        it[3]
    assert iter(it) is it


def test_flow_without_labels_and_with_weights(images):
    gen = ImageDataGenerator()
    assert next(gen.flow(images, batch_size=2)).shape == (2, 8, 8, 3)
    _xb, _yb, wb = next(
        gen.flow(
            images, np.arange(10), batch_size=2, shuffle=False, sample_weight=np.arange(10) / 10
        )
    )
    assert wb.tolist() == [0.0, 0.1]


def test_flow_subsets(images):
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(images, np.arange(10), subset="validation", shuffle=False, batch_size=10)
    train = gen.flow(images, np.arange(10), subset="training", shuffle=False, batch_size=10)
    assert next(val)[1].tolist() == [0, 1, 2] and next(train)[1].tolist() == list(range(3, 10))


def test_clear_errors(images):
    with pytest.raises(ValueError, match=r"rank 4.*received shape \(10, 8, 8\).*x\[\.\.\., None\]"):
        ImageDataGenerator().flow(images[..., 0])
    with pytest.raises(
        ValueError, match=r"random_transform: expected one image of rank 3.*\(8, 8\)"
    ):
        ImageDataGenerator().random_transform(images[0, ..., 0])
    with pytest.raises(ValueError, match="same length"):
        ImageDataGenerator().flow(images, np.arange(3))
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(
        ValueError, match="`zoom_range` should be a float or a tuple or list of two floats"
    ):
        ImageDataGenerator(zoom_range=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="rotation_range must be a number >= 0"):
        ImageDataGenerator(rotation_range=-5)


def test_follows_set_random_seed(images):
    gen = ImageDataGenerator(rotation_range=30)
    set_random_seed(5)
    a = gen.random_transform(images[0])
    set_random_seed(5)
    np.testing.assert_array_equal(a, gen.random_transform(images[0]))
