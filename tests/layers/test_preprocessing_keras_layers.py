"""The Keras 3 image layers added for CNN programs (CenterCrop, AutoContrast, Solarization,
RandomGrayscale, RandomInvert, RandomPosterization, RandomColorDegeneration, RandomSharpness,
MixUp, CutMix): deterministic parts equal to Keras on the same images and the same drawn
parameters; random parts checked by their properties and seeds."""

import keras
import numpy as np
import pytest

from strided import layers

RNG = np.random.default_rng(7)
IMAGES = RNG.uniform(0, 255, (4, 9, 10, 3)).astype(np.float32)


def _np(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


@pytest.mark.parametrize("size", [(5, 6), (9, 10), (4, 10), (12, 8), (16, 20)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_center_crop_equals_keras(size, data_format):
    images = IMAGES if data_format == "channels_last" else np.transpose(IMAGES, (0, 3, 1, 2)).copy()
    expected = _np(keras.layers.CenterCrop(*size, data_format=data_format)(images))
    layer = layers.CenterCrop(*size, data_format=data_format)
    actual = layer(images).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-3)
    assert layer.compute_output_shape((None,) + images.shape[1:]) == (None,) + expected.shape[1:]
    np.testing.assert_array_equal(layer(images[0]).numpy(), actual[0])  # one unbatched image
    np.testing.assert_array_equal(layer(images, training=False).numpy(), actual)  # always applied


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1), (-1, 1)])
def test_auto_contrast_equals_keras(value_range):
    low, high = value_range
    images = IMAGES / 255 * (high - low) * 0.6 + low + 0.1 * (high - low)
    images[0, ..., 1] = low + 0.5 * (high - low)  # a flat channel is left unchanged
    expected = _np(keras.layers.AutoContrast(value_range=value_range)(images))
    actual = layers.AutoContrast(value_range=value_range)(images).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-4 * (high - low))


def _same_parameters(name, params, n):
    """The parameters strided drew, in the form Keras' transform_images takes."""
    column = lambda v, dtype="float32": np.asarray(v, dtype).reshape(n, 1, 1, 1)  # noqa: E731
    if name == "Solarization":
        return {"additions": column(params["additions"]), "thresholds": column(params["thresholds"])}
    if name == "RandomGrayscale":
        return column(params["apply"], bool)
    if name == "RandomInvert":
        return {"apply_inversion": np.asarray(params["apply_inversion"])}
    if name == "RandomPosterization":
        return {"shift_factor": np.asarray(params["shift_factor"], np.uint8)}
    if name == "RandomColorDegeneration":
        return {"factor": column(params["factor"])}
    if name in ("RandomSaturation", "RandomHue"):
        return {"factor": np.asarray(params["factor"], np.float32)}
    if name == "RandomSharpness":
        return {"factor": np.asarray(params["factor"], np.float32)}
    if name == "MixUp":
        return {"mix_weight": np.asarray(params["mix_weight"], np.float32),
                "permutation_order": np.asarray(params["permutation_order"])}
    raise AssertionError(name)


RANDOM_LAYERS = [
    ("Solarization", {"addition_factor": (0.0, 0.3), "threshold_factor": (0.2, 0.8)}),
    ("Solarization", {"value_range": (0, 1), "threshold_factor": 0.5}),
    ("RandomGrayscale", {"factor": 0.5}),
    ("RandomInvert", {"factor": (0.3, 0.9)}),
    ("RandomPosterization", {"factor": (1, 8)}),
    ("RandomColorDegeneration", {"factor": 0.8}),
    ("RandomSharpness", {"factor": (0.0, 1.0)}),
    ("RandomSharpness", {"factor": 0.9, "value_range": (0, 1)}),
    ("MixUp", {"alpha": 0.4}),
    ("RandomSaturation", {"factor": (0.2, 0.8)}),
    ("RandomSaturation", {"factor": 0.5, "value_range": (0, 1)}),
    ("RandomHue", {"factor": 0.6}),
    ("RandomHue", {"factor": (0.2, 1.0), "value_range": (0, 1)}),
]


@pytest.mark.parametrize("name, kwargs", RANDOM_LAYERS)
def test_random_layers_apply_keras_formula(name, kwargs):
    value_range = kwargs.get("value_range", (0, 255))
    images = IMAGES / 255 * (value_range[1] - value_range[0]) + value_range[0]
    layer = getattr(layers, name)(seed=3, **kwargs)
    params = layer._draw(images.shape if name == "MixUp" else len(images), np.random.default_rng(5))
    actual = layer._apply(images, params).numpy()
    expected = _np(getattr(keras.layers, name)(**kwargs).transform_images(
        images, _same_parameters(name, params, len(images)), training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-4 * (value_range[1] - value_range[0]))


@pytest.mark.parametrize("name, kwargs", RANDOM_LAYERS + [("CutMix", {}), ("RandomShear", {"x_factor": 0.3, "y_factor": 0.3}),
                                                   ("RandomColorJitter", {"brightness_factor": 0.3, "hue_factor": 0.2}),
                                                   ("RandomErasing", {}), ("RandomGaussianBlur", {"sigma": (0.5, 1.0)})])
def test_random_layers_only_in_training_and_seeded(name, kwargs):
    images = IMAGES / 255 * 0.999 if "value_range" in kwargs else IMAGES
    first = getattr(layers, name)(seed=11, **kwargs)
    second = getattr(layers, name)(seed=11, **kwargs)
    np.testing.assert_array_equal(first(images, training=False).numpy(), images)
    np.testing.assert_array_equal(first(images).numpy(), second(images).numpy())
    outputs = [getattr(layers, name)(seed=s, **kwargs)(images).numpy() for s in range(4)]
    assert any(not np.array_equal(outputs[0], other) for other in outputs[1:])


def test_posterization_keeps_the_top_bits():
    layer = layers.RandomPosterization(factor=(3, 4), seed=0)  # bits drawn in [3, 4): always 3
    out = layer(IMAGES).numpy()
    np.testing.assert_array_equal(out, (IMAGES.astype(np.uint8) >> 5) << 5)


def test_grayscale_probability_extremes():
    np.testing.assert_array_equal(layers.RandomGrayscale(factor=0.0)(IMAGES).numpy(), IMAGES)
    gray = layers.RandomGrayscale(factor=1.0)(IMAGES).numpy()
    expected = IMAGES @ np.array([0.2989, 0.5870, 0.1140], np.float32)
    np.testing.assert_allclose(gray, np.repeat(expected[..., None], 3, -1), rtol=1e-5)


def test_cutmix_masks_equal_keras_boxes_and_labels_follow_the_area():
    layer = layers.CutMix(factor=1.0)
    params = layer._draw(IMAGES.shape, np.random.default_rng(2))
    masks = layer._masks(IMAGES.shape, params["boxes"])
    keras_layer = keras.layers.CutMix()
    x0, x1, y0, y1 = (np.asarray(b, np.float32) for b in params["boxes"])
    keras_masks, keras_weight = keras_layer._generate_batch_mask(IMAGES.shape, (x0, x1, y0, y1))
    np.testing.assert_array_equal(np.broadcast_to(masks, IMAGES.shape), _np(keras_masks))
    np.testing.assert_allclose(params["mix_weight"], _np(keras_weight).ravel(), rtol=1e-6)
    labels = np.eye(4, dtype=np.float32)
    out = layer._mix_labels(labels, params).numpy()
    expected = _np(keras_layer.transform_labels(labels, {
        "permutation_order": params["permutation_order"], "mix_weight": params["mix_weight"]}))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    mixed = layer._apply(IMAGES, params).numpy()
    moved = IMAGES[params["permutation_order"]]
    np.testing.assert_array_equal(mixed, np.where(np.broadcast_to(masks, IMAGES.shape), moved, IMAGES))


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
def test_mixing_images_and_labels_together(name):
    labels = np.eye(4, dtype=np.float32)
    out = getattr(layers, name)(seed=4)({"images": IMAGES, "labels": labels})
    assert set(out) == {"images", "labels"} and out["images"].shape == IMAGES.shape
    mixed_labels = out["labels"].numpy()
    np.testing.assert_allclose(mixed_labels.sum(axis=1), 1.0, rtol=1e-6)  # still distributions
    assert np.all((mixed_labels >= 0) & (mixed_labels <= 1))


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"RandomGrayscale: `factor` must be a probability"):
        layers.RandomGrayscale(factor=2)
    with pytest.raises(ValueError, match=r"RandomPosterization: `factor`"):
        layers.RandomPosterization(factor=9)
    with pytest.raises(ValueError, match=r"CenterCrop: `height` must be a positive int"):
        layers.CenterCrop(0, 3)
    with pytest.raises(ValueError, match=r"RandomGrayscale: expected RGB images with 3 channels"):
        layers.RandomGrayscale(factor=1.0)(IMAGES[..., :1])


@pytest.mark.parametrize("fill_mode, interpolation", [("nearest", "nearest"), ("nearest", "bilinear"),
                                                      ("reflect", "bilinear")])
def test_shear_equals_keras_for_the_same_factors(fill_mode, interpolation):
    layer = layers.RandomShear(0.3, 0.2, fill_mode=fill_mode, interpolation=interpolation)
    shear = layer._draw(len(IMAGES), np.random.default_rng(1))["shear_factor"].astype(np.float32)
    from strided.layers.preprocessing.random_geometry import shear_matrices
    from strided.preprocessing.affine_op import affine_transform

    actual = affine_transform(IMAGES, shear_matrices(shear), fill_mode, 0.0, interpolation).numpy()
    keras_layer = keras.layers.RandomShear(0.3, 0.2, fill_mode=fill_mode, interpolation=interpolation)
    expected = _np(keras_layer.transform_images(IMAGES, {"shear_factor": shear, "input_shape": IMAGES.shape},
                                                training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-3)
    assert np.all(np.abs(shear[:, 0]) <= 0.3) and np.all(np.abs(shear[:, 1]) <= 0.2)


def test_color_jitter_runs_its_steps_in_keras_order():
    layer = layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.4,
                                     hue_factor=0.1, seed=5)
    out = layer(IMAGES).numpy()
    expected = IMAGES
    for step in (layers.RandomBrightness(0.2, seed=5), layers.RandomContrast(0.3, seed=5),
                 layers.RandomSaturation(0.4, seed=5), layers.RandomHue(0.1, seed=5)):
        expected = step(expected).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-3)
    assert out.shape == IMAGES.shape and out.min() >= 0 and out.max() <= 255
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)


@pytest.mark.parametrize("value_range, bins", [((0, 255), 256), ((0, 1), 64), ((-1, 1), 16)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_equalization_equals_keras(value_range, bins, data_format):
    low, high = value_range
    images = (IMAGES / 255) ** 2 * (high - low) + low  # skewed, so equalization changes it
    images[1, ..., 2] = low  # a flat channel of one image still shares the batch histogram
    if data_format == "channels_first":
        images = np.transpose(images, (0, 3, 1, 2)).copy()
    keras_layer = keras.layers.Equalization(value_range=value_range, bins=bins, data_format=data_format)
    expected = _np(keras_layer(images, training=True))
    layer = layers.Equalization(value_range=value_range, bins=bins, data_format=data_format)
    np.testing.assert_allclose(layer(images).numpy(), expected, rtol=1e-5, atol=1e-5 * (high - low))
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)


@pytest.mark.parametrize("kwargs", [{}, {"fill_value": 7.0, "factor": (0.4, 0.9)}, {"fill_value": (1.0, 2.0, 3.0)}])
def test_random_erasing_equals_keras_for_the_same_boxes(kwargs):
    layer = layers.RandomErasing(**kwargs)
    params = layer._draw(IMAGES.shape, np.random.default_rng(6))
    actual = layer._apply(IMAGES, params).numpy()
    keras_params = {"batch_masks": np.broadcast_to(params["batch_masks"], IMAGES.shape),
                    "apply_erasing": params["apply_erasing"], "fill_value": params["fill_value"].astype(np.float32)}
    expected = _np(keras.layers.RandomErasing(**kwargs).transform_images(IMAGES, keras_params, training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-6)
    erased = np.any(actual != IMAGES, axis=(1, 2, 3))
    assert not np.any(erased & ~params["apply_erasing"])  # only the chosen images change
    area = params["batch_masks"][..., 0].mean(axis=(1, 2))
    assert np.all(area <= 0.33 + 1e-6)  # sqrt(s_w) * sqrt(s_h) <= 0.33 of the image


def test_random_erasing_masks_equal_keras():
    from strided.layers.preprocessing.random_erasing import box_masks, random_boxes

    boxes = random_boxes(np.random.default_rng(1), 4, 9, 10, np.full(4, 0.5), np.linspace(0.1, 0.9, 4))
    theirs = _np(keras.layers.RandomErasing()._generate_batch_mask(IMAGES.shape, boxes))
    ours = np.broadcast_to(box_masks(IMAGES.shape, boxes, "channels_last"), IMAGES.shape)
    np.testing.assert_array_equal(ours, theirs)
    assert 0 < ours.mean() < 1


@pytest.mark.parametrize("kernel_size, sigma", [(3, (0.7, 0.4)), (5, (0.9, 0.9)), (7, (0.3, 0.8))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gaussian_blur_equals_keras_for_the_same_draws(kernel_size, sigma, data_format):
    images = IMAGES if data_format == "channels_last" else np.transpose(IMAGES, (0, 3, 1, 2)).copy()
    params = {"should_apply_blur": np.array([True, False, True, True]), "blur_factor": np.array(sigma, np.float32)}
    actual = layers.RandomGaussianBlur(kernel_size=kernel_size, data_format=data_format)._apply(images, params).numpy()
    keras_layer = keras.layers.RandomGaussianBlur(kernel_size=kernel_size, data_format=data_format)
    expected = _np(keras_layer.transform_images(images, params, training=True))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(actual[1], images[1])  # not chosen: unchanged
