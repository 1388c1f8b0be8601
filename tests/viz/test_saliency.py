"""Saliency against finite differences of the model output; Grad-CAM against its formula
worked out by hand on models whose gradients are known in closed form."""

import numpy as np
import pytest
from PIL import Image

import strided.layers as L
from strided import ops
from strided.models import Sequential
from strided.viz import grad_cam, plot_grad_cam, plot_saliency, saliency_map
from strided.viz.saliency import class_score_gradient, class_scores


def random_weights(model, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, scale, w.shape) for w in model.get_weights()])
    return model


def finite_difference(model, x, classes, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        n = index[0]
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        f_plus = class_scores(model(plus[n:n + 1])).numpy()[0, classes[n]]
        f_minus = class_scores(model(minus[n:n + 1])).numpy()[0, classes[n]]
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def test_saliency_is_the_input_gradient_of_the_class_score_before_the_softmax(float64):
    model = random_weights(Sequential([
        L.Input(shape=(6, 6, 2)), L.Conv2D(3, 3, activation="tanh"), L.AveragePooling2D(2),
        L.Flatten(), L.Dense(4, activation="softmax"),
    ]))
    x = np.random.default_rng(1).uniform(-1, 1, (2, 6, 6, 2))
    predicted = model(x).numpy().argmax(axis=1)
    expected = finite_difference(model, x, predicted)
    gradient = saliency_map(model, x, reduce=None)
    assert gradient.shape == x.shape and np.abs(expected).max() > 1e-4
    assert np.allclose(gradient, expected, atol=1e-8)
    assert np.allclose(saliency_map(model, x), np.abs(expected).max(axis=-1), atol=1e-8)
    assert np.allclose(saliency_map(model, x, reduce="mean"), np.abs(expected).mean(axis=-1),
                       atol=1e-8)
    chosen = np.array([3, 0])
    assert np.allclose(saliency_map(model, x, class_index=chosen, reduce=None),
                       finite_difference(model, x, chosen), atol=1e-8)


def test_weight_gradients_are_left_alone(float64):
    model = random_weights(Sequential([L.Input(shape=(4, 4, 1)), L.Conv2D(2, 3), L.Flatten(),
                                       L.Dense(2)]))
    marker = np.full(model.weights[0].shape, 7.0)
    model.weights[0].grad = marker
    _, classes, outputs = class_score_gradient(model, np.ones((1, 4, 4, 1)), class_index=1)
    assert classes.tolist() == [1] and outputs.shape == (1, 2)
    assert model.weights[0].grad is marker and model.weights[1].grad is None
    with pytest.raises(ValueError, match="out of range for a model with 2 output classes"):
        saliency_map(model, np.ones((1, 4, 4, 1)), class_index=2)
    with pytest.raises(ValueError, match="reduce must be"):
        saliency_map(model, np.ones((1, 4, 4, 1)), reduce="sum")


def test_grad_cam_with_global_average_pooling_is_cam(float64):
    # S_c = sum_k W[k, c] * mean_ij A[i, j, k] + b_c  =>  dS_c/dA[i, j, k] = W[k, c] / (h * w)
    model = random_weights(Sequential([
        L.Input(shape=(6, 6, 2)), L.Conv2D(3, 3, activation="relu", name="conv"),
        L.GlobalAveragePooling2D(), L.Dense(4),
    ]), seed=2)
    x = np.random.default_rng(3).uniform(0, 1, (2, 6, 6, 2))
    activations = model.get_layer("conv")(x).numpy()                     # (2, 4, 4, 3)
    dense_kernel = model.get_layer(model.layers[-1].name).get_weights()[0]  # (3, 4)
    for c in range(4):
        alpha = dense_kernel[:, c] / 16.0
        expected = np.maximum(np.einsum("nhwk,k->nhw", activations, alpha), 0)
        cam = grad_cam(model, x, class_index=c, upsample=False)
        assert cam.shape == (2, 4, 4) and np.allclose(cam, expected)
    predicted = model(x).numpy().argmax(axis=1)
    expected = np.stack([np.maximum(activations[n] @ (dense_kernel[:, predicted[n]] / 16.0), 0)
                         for n in range(2)])
    assert np.allclose(grad_cam(model, x, upsample=False), expected)
    upsampled = grad_cam(model, x)
    assert upsampled.shape == (2, 6, 6)
    assert np.allclose(upsampled, ops.resize(expected[..., None], (6, 6)).numpy()[..., 0])
    normalised = grad_cam(model, x, normalize=True)
    assert np.allclose(normalised.max(axis=(1, 2))[expected.max(axis=(1, 2)) > 0], 1.0)


def test_grad_cam_through_flatten_and_dense(float64):
    # S_c = sum_{i,j,k} W[(i, j, k), c] * A[i, j, k]: alpha_k = mean_ij W[(i, j, k), c]
    model = random_weights(Sequential([
        L.Input(shape=(5, 5, 1)), L.Conv2D(2, 2, activation="relu", name="first"),
        L.Conv2D(3, 2, activation="relu", name="last"), L.Flatten(), L.Dense(2),
    ]), seed=4)
    x = np.random.default_rng(5).uniform(0, 1, (1, 5, 5, 1))
    activations = model.get_layer("last")(model.get_layer("first")(x)).numpy()  # (1, 3, 3, 3)
    weights = model.layers[-1].get_weights()[0].reshape(3, 3, 3, 2)
    for c in range(2):
        alpha = weights[..., c].mean(axis=(0, 1))
        expected = np.maximum(np.einsum("nhwk,k->nhw", activations, alpha), 0)
        assert np.allclose(grad_cam(model, x, class_index=c, upsample=False), expected)
    first = grad_cam(model, x, class_index=0, layer_name="first", upsample=False)
    assert first.shape == (1, 4, 4) and (first >= 0).all()
    with pytest.raises(ValueError, match="no layer named 'missing'"):
        grad_cam(model, x, layer_name="missing")


def test_plots(lesson_model, images, tmp_path):
    path = tmp_path / "saliency.png"
    figure = plot_saliency(lesson_model, images, class_names=["a", "b", "c"], save_path=path)
    assert len(figure.axes) == 6
    assert np.allclose(figure.axes[1].images[0].get_array(), saliency_map(lesson_model, images)[0])
    assert figure.axes[0].get_title().startswith("class ")
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size[1] > 300
    figure = plot_grad_cam(lesson_model, images[:2], layer_name="conv2d", save_path=tmp_path / "cam.png")
    assert len(figure.axes) == 4
    overlay = figure.axes[1].images
    assert len(overlay) == 2 and overlay[1].get_array().shape == (12, 12)
    assert np.allclose(overlay[1].get_array(),
                       grad_cam(lesson_model, images[:2], layer_name="conv2d", normalize=True)[0])
    with Image.open(tmp_path / "cam.png") as png:
        assert png.format == "PNG"


def test_grad_cam_finds_the_last_conv_layer_inside_a_nested_base(float64):
    base = Sequential([L.Input(shape=(6, 6, 1)), L.Conv2D(2, 3, activation="relu", name="b1"),
                       L.Conv2D(3, 3, activation="relu", name="b2")], name="base")
    model = random_weights(Sequential([L.Input(shape=(6, 6, 1)), base,
                                       L.GlobalAveragePooling2D(), L.Dense(2)]), seed=6)
    x = np.random.default_rng(7).uniform(0, 1, (1, 6, 6, 1))
    activations = base(x).numpy()                                        # (1, 2, 2, 3)
    alpha = model.layers[-1].get_weights()[0][:, 1] / 4.0
    expected = np.maximum(np.einsum("nhwk,k->nhw", activations, alpha), 0)
    assert np.allclose(grad_cam(model, x, class_index=1, upsample=False), expected)
    assert "call" not in vars(base.layers[1])


def square_detector(square_at):
    """Conv (a brightness detector) -> global average -> a softmax sure of class 0 for bright
    images; an image with a bright 3x3 square at `square_at` (row, col) on a dark background."""
    model = Sequential([
        L.Input(shape=(12, 12, 1)), L.Conv2D(2, 3, padding="same", activation="relu", name="conv"),
        L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax"),
    ])
    model.set_weights([np.ones((3, 3, 1, 2), "float32"), np.zeros(2, "float32"),
                       np.array([[60.0, -60.0], [60.0, -60.0]], "float32"), np.zeros(2, "float32")])
    image = np.zeros((1, 12, 12, 1), "float32")
    image[0, square_at[0]:square_at[0] + 3, square_at[1]:square_at[1] + 3] = 1.0
    return model, image


def test_grad_cam_of_a_confident_prediction_is_not_empty_and_peaks_on_the_object():
    # Probabilities saturate: p(class 0) rounds to 1 in float32, so d p / d A is 0 and a
    # Grad-CAM of the probability would be empty. The logit's gradient does not vanish.
    model, image = square_detector((6, 2))
    probabilities = model(image).numpy()
    assert probabilities[0, 0] == 1.0
    cam = grad_cam(model, image, upsample=False)
    assert cam.max() > 0.5
    row, col = np.unravel_index(cam[0].argmax(), cam[0].shape)
    assert 6 <= row <= 8 and 2 <= col <= 4
    normalised = grad_cam(model, image, normalize=True)
    assert normalised.max() == 1.0 and normalised[0, :4].max() == 0.0


def test_an_empty_map_is_left_empty_and_labelled(tmp_path):
    model, image = square_detector((0, 0))
    # Class 1's evidence is negative everywhere: no positive part, nothing to stretch.
    assert grad_cam(model, image, class_index=1, upsample=False).max() == 0.0
    assert grad_cam(model, image, class_index=1, normalize=True).max() == 0.0
    figure = plot_grad_cam(model, image, class_index=1)
    assert "empty" in figure.axes[1].get_title()
    figure = plot_grad_cam(model, image)
    assert "empty" not in figure.axes[1].get_title()
