"""plot_filters: lesson 001's grid of learned kernels, normalised to [0, 1]."""

import numpy as np
import pytest
from PIL import Image

import strided.layers as L
from strided.models import Sequential
from strided.viz import plot_filters
from strided.viz.filters import filter_images


def test_lesson_grid_and_global_normalisation(lesson_model, tmp_path):
    path = tmp_path / "filters.png"
    figure = plot_filters(lesson_model, "conv2d", save_path=path)
    kernel = lesson_model.get_layer("conv2d").get_weights()[0]        # (3, 3, 1, 4)
    expected = (kernel - kernel.min()) / (kernel.max() - kernel.min())  # the lesson's f_min/f_max
    assert len(figure.axes) == 4 + 1                # the tiles, then one shared colour bar
    for index, ax in enumerate(figure.axes[:4]):
        assert np.allclose(ax.images[0].get_array(), expected[:, :, 0, index])
    labels = [float(t.get_text()) for t in figure.axes[4].get_xticklabels()]
    assert np.allclose(labels, [float(f"{v:.2g}") for v in (kernel.min(), (kernel.min() + kernel.max()) / 2, kernel.max())])
    assert "each tile the kernel" in figure.texts[0].get_text()
    with Image.open(path) as png:
        assert png.format == "PNG" and min(png.size) > 50


def test_defaults_to_the_first_conv_layer_and_limits_the_count(lesson_model):
    assert len(plot_filters(lesson_model).axes) == 4 + 1
    figure = plot_filters(lesson_model, "conv2d_1", n_filters=3)
    assert len(figure.axes) == 3 + 1
    assert "each tile the mean over 4 input channels" in figure.texts[0].get_text()
    figure = plot_filters(lesson_model, "conv2d_1", channel=2, normalize="filter")
    assert len(figure.axes) == 5 and "input channel 2 of 4" in figure.texts[0].get_text()
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        plot_filters(lesson_model, "conv9")
    with pytest.raises(ValueError, match="is not a convolution layer"):
        plot_filters(lesson_model, "dense")


def test_channel_choices_and_per_filter_normalisation():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 3, 5))
    mean = filter_images(kernel, channel="mean")
    assert mean.shape == (5, 3, 3) and mean.min() == 0 and mean.max() == 1
    assert np.allclose(mean.argmax(), kernel.mean(axis=2).transpose(2, 0, 1).argmax())
    rgb = filter_images(kernel)                        # 3 input channels: colour tiles
    assert rgb.shape == (5, 3, 3, 3)
    per_filter = filter_images(kernel, channel=1, normalize="filter")
    assert np.allclose(per_filter.min(axis=(1, 2)), 0) and np.allclose(per_filter.max(axis=(1, 2)), 1)
    assert np.allclose(per_filter[2], (kernel[:, :, 1, 2] - kernel[:, :, 1, 2].min())
                       / np.ptp(kernel[:, :, 1, 2]))
    with pytest.raises(ValueError, match="channel must be"):
        filter_images(kernel, channel=7)
    with pytest.raises(ValueError, match="normalize must be"):
        filter_images(kernel, normalize="layer")


def test_colour_first_layer_and_many_filters():
    model = Sequential([L.Input(shape=(8, 8, 3)), L.Conv2D(66, 3)])
    figure = plot_filters(model, model.layers[0].name)
    assert len(figure.axes) == 64                      # capped at 64 by default (RGB: no bar)
    assert figure.axes[0].images[0].get_array().shape == (3, 3, 3)
    depthwise = Sequential([L.Input(shape=(8, 8, 3)), L.DepthwiseConv2D(3, depth_multiplier=2)])
    figure = plot_filters(depthwise, depthwise.layers[0].name, n_filters=100)
    assert len(figure.axes) == 6 + 1                   # one tile per (channel, multiplier), a bar
