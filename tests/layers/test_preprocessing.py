"""Keras 3 preprocessing layers: exact geometry, training-only behaviour, statistics, configs, gradients."""

import numpy as np
import pytest

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.layers.preprocessing import (
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)

RANDOM_LAYERS = [
    lambda: RandomFlip(seed=0),
    lambda: RandomRotation(0.2, seed=0),
    lambda: RandomTranslation(0.2, 0.3, seed=0),
    lambda: RandomZoom(0.3, seed=0),
    lambda: RandomContrast(0.5, seed=0),
    lambda: RandomBrightness(0.3, seed=0),
]


def dot(h=8, w=8, at=(1, 6)):
    x = np.zeros((1, h, w, 1), np.float32)
    x[0, at[0], at[1], 0] = 200.0
    return x


def position(out):
    out = out.numpy() if hasattr(out, "numpy") else out
    return tuple(int(i) for i in np.argwhere(out[0, :, :, 0] > 100)[0])


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (6, 8, 10, 3)).astype(np.float32)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_inactive_outside_training(make, images):
    out = make()(images, training=False)
    np.testing.assert_array_equal(out.numpy(), images)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_seeded_layers_repeat(make, images):
    a, b = make()(images, training=True).numpy(), make()(images, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, images)


def test_direct_call_augments_as_keras3(images):
    assert not np.array_equal(RandomRotation(0.2, seed=1)(images).numpy(), images)


def test_random_flip_gives_the_image_or_its_mirror(images):
    out = RandomFlip("horizontal", seed=3)(images, training=True).numpy()
    mirrored = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images)]
    kept = [np.array_equal(o, i) for o, i in zip(out, images)]
    assert all(m or k for m, k in zip(mirrored, kept)) and any(mirrored) and any(kept)
    out = RandomFlip("vertical", seed=3)(images, training=True).numpy()
    assert all(np.array_equal(o, i) or np.array_equal(o, i[::-1]) for o, i in zip(out, images))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_a_quarter_turn_is_counter_clockwise(interpolation):
    out = RandomRotation((0.25, 0.25), interpolation=interpolation)(dot(at=(1, 6)), training=True)
    assert position(out) == (1, 1)  # near the top-right corner -> near the top-left corner
    np.testing.assert_allclose(out.numpy().sum(), 200.0, rtol=1e-6)


def test_translation_moves_by_whole_pixels():
    down = RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant")(
        dot(at=(1, 3)), training=True
    )
    assert position(down) == (3, 3)  # 0.25 of 8 rows = 2 rows down
    left = RandomTranslation(0.0, (-0.5, -0.5), fill_mode="constant")(dot(at=(1, 6)), training=True)
    assert position(left) == (1, 2)  # 0.5 of 8 columns = 4 to the left


def test_zoom_in_by_two_about_the_centre():
    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 1, 1] = 200
    out = RandomZoom((-0.5, -0.5))(x, training=True).numpy()  # width follows height
    assert out[0, 0, 0, 0] == pytest.approx(200.0) and out[0, 2, 2, 0] == 0
    out = RandomZoom((-0.5, -0.5), width_factor=(0.0, 0.0))(x, training=True).numpy()
    assert out[0, 0, 1, 0] == pytest.approx(200.0)  # rows magnified, columns unchanged


def test_random_crop_training_takes_a_window(images):
    out = RandomCrop(5, 4, seed=0)(images, training=True).numpy()
    assert out.shape == (6, 5, 4, 3)
    for o, image in zip(out, images):
        windows = [
            (r, c)
            for r in range(4)
            for c in range(7)
            if np.array_equal(image[r : r + 5, c : c + 4], o)
        ]
        assert windows, "every output must be an exact window of its input"


def test_random_crop_inference_is_a_centred_aspect_crop(images):
    out = RandomCrop(4, 4)(images, training=False)
    expected = ops.resize(Tensor(images[:, :, 1:9]), (4, 4))  # 8x10 -> centred 8x8 -> 4x4
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    same = RandomCrop(8, 10)(images, training=False).numpy()
    np.testing.assert_array_equal(same, images)


def test_contrast_formula(images):
    layer = RandomContrast(0.5, seed=4)  # a float f is (0, f) as in Keras 3: contrast in [1, 1 + f]
    out = layer(images, training=True).numpy()
    factor = (
        np.random.default_rng(4)
        .uniform(1.0, 1.5, len(images))
        .astype(np.float32)
        .reshape(-1, 1, 1, 1)
    )
    mean = images.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(
        out, np.clip((images - mean) * factor + mean, 0, 255), rtol=1e-5, atol=1e-3
    )


def test_brightness_adds_one_delta_per_image(images):
    x = images / 4 + 64  # values in [64, 128]: nothing is clipped by a shift of at most 0.2 * 255
    out = RandomBrightness(0.2, seed=5)(x, training=True).numpy()
    delta = (out - x).reshape(len(x), -1)
    np.testing.assert_allclose(delta, delta[:, :1].repeat(delta.shape[1], 1), atol=1e-4)
    assert np.abs(delta).max() <= 0.2 * 255 + 1e-3
    clipped = RandomBrightness((1.0, 1.0))(x, training=True).numpy()
    assert (clipped == 255).all()


def test_rescaling():
    out = Rescaling(1 / 127.5, offset=-1)(np.array([[0.0, 127.5, 255.0]])).numpy()
    np.testing.assert_allclose(out, [[-1, 0, 1]], atol=1e-6)
    per_channel = Rescaling([1.0, 2.0, 3.0])(np.ones((1, 2, 2, 3))).numpy()
    np.testing.assert_array_equal(per_channel[0, 0, 0], [1, 2, 3])


def test_resizing(images):
    assert Resizing(4, 5)(images).shape == (6, 4, 5, 3)
    up = Resizing(16, 20, interpolation="nearest")(images).numpy()
    np.testing.assert_array_equal(up[:, ::2, ::2], images)
    cropped = Resizing(8, 8, crop_to_aspect_ratio=True)(images).numpy()
    np.testing.assert_array_equal(cropped, images[:, :, 1:9])
    padded = Resizing(10, 10, pad_to_aspect_ratio=True, fill_value=-1.0)(images).numpy()
    assert (padded[:, :1] == -1).all() and (padded[:, -1:] == -1).all()
    np.testing.assert_array_equal(padded[:, 1:9], images)
    with pytest.raises(
        ValueError, match="only one of crop_to_aspect_ratio and pad_to_aspect_ratio"
    ):
        Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


def test_normalization_adapt(images):
    layer = Normalization()
    layer.adapt(images)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), images.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), images.var(axis=(0, 1, 2)), rtol=1e-5)
    out = layer(images).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"] and not layer.trainable_weights
    assert int(layer.count.numpy()) == images.shape[0] * images.shape[1] * images.shape[2]
    batched = Normalization()
    batched.adapt([images[:2], images[2:5], images[5:]])  # an iterable of batches
    np.testing.assert_allclose(
        batched.adapt_variance.numpy(), layer.adapt_variance.numpy(), rtol=1e-6
    )


def test_normalization_fixed_stats_invert_and_axes():
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    layer = Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])
    np.testing.assert_allclose(layer(x).numpy(), [[0, 0], [1, 1]])
    inverse = Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0], invert=True)
    np.testing.assert_allclose(inverse(layer(x)).numpy(), x, rtol=1e-6)
    scalar = Normalization(axis=None)
    scalar.adapt(x)
    assert scalar.adapt_mean.shape == () and scalar.adapt_mean.numpy() == pytest.approx(3.0)
    with pytest.raises(ValueError, match="give both `mean` and `variance`"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="adapt\\(\\) is not needed"):
        layer.adapt(x)


@pytest.mark.parametrize(
    "layer",
    [
        RandomFlip("horizontal", seed=1),
        RandomRotation((-0.1, 0.2), fill_mode="constant", seed=2),
        RandomTranslation(0.1, (0.0, 0.2)),
        RandomZoom(0.2, width_factor=0.1),
        RandomCrop(4, 4, seed=3),
        RandomContrast((0.1, 0.3)),
        RandomBrightness(0.1, value_range=(0, 1)),
        Rescaling(0.5, 1.0),
        Resizing(3, 4, interpolation="nearest"),
        Normalization(axis=(1, 3), mean=0.0, variance=1.0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_channels_first_matches_channels_last(images):
    last = RandomRotation(0.2, seed=7)(images, training=True).numpy()
    first = RandomRotation(0.2, seed=7, data_format="channels_first")(
        images.transpose(0, 3, 1, 2), training=True
    )
    np.testing.assert_allclose(first.numpy().transpose(0, 2, 3, 1), last, rtol=1e-5, atol=1e-4)


def test_single_unbatched_image(images):
    out = RandomFlip("horizontal", seed=0)(images[0], training=True)
    assert out.shape == images[0].shape


def test_gradients_flow_through_the_augmentation():
    x = Tensor(np.random.default_rng(0).random((2, 5, 6, 1)), requires_grad=True)
    for layer in (
        RandomRotation(0.3, seed=0, fill_mode="constant", dtype="float64"),
        RandomZoom(0.3, seed=1, dtype="float64"),
        RandomContrast(0.4, seed=2, value_range=(-10, 10), dtype="float64"),
        RandomCrop(3, 4, seed=3, dtype="float64"),
    ):  # float64 layers: gradcheck's finite differences need the precision
        assert gradcheck(lambda t, layer=layer: _replay(layer, t), [x])


def _replay(layer, t):
    """Call the layer with its generator reset, so finite differences see the same random draw."""
    layer._generator = np.random.default_rng(layer.seed)
    return layer(t, training=True)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RandomFlip("diagonal"), "`mode` must be one of"),
        (lambda: RandomRotation(0.1, fill_mode="mirror"), "`fill_mode` must be one of"),
        (lambda: RandomTranslation(1.5, 0.1), r"`height_factor` must lie in \[-1.0, 1.0\]"),
        (lambda: RandomZoom((-1.5, 0.0)), "`height_factor` must lie in"),
        (lambda: RandomContrast(2.0), r"`factor` must be a number or a pair of numbers in the range \[0, 1\]"),
        (lambda: RandomBrightness("bright"), "`factor` must be a float or a tuple"),
        (lambda: RandomCrop(0, 3), "`height` must be a positive int. Received: height=0"),
        (lambda: RandomFlip(seed=1.5), "`seed` must be an int or None"),
        (lambda: RandomContrast(0.2, value_range=(1, 0)), "`value_range` must be \\(min, max\\)"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rank_errors_name_the_layer():
    with pytest.raises(
        ValueError, match=r"RandomFlip.*rank 4.*received shape \(28, 28\).*x\[\.\.\., None\]"
    ):
        RandomFlip()(np.zeros((28, 28)), training=True)
