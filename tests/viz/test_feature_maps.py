"""feature_maps / feature_map_model / plot_feature_maps: lesson 002's activation grid."""

import numpy as np
import pytest
from PIL import Image

import strided.layers as L
from strided.models import Model, Sequential
from strided.viz import feature_map_model, feature_maps, plot_feature_maps

NAMES = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]


def reference_conv_relu(images, kernel, bias):
    """Valid cross-correlation + bias + ReLU, written as loops over the kernel offsets."""
    kh, kw = kernel.shape[:2]
    h, w = images.shape[1] - kh + 1, images.shape[2] - kw + 1
    out = np.zeros((len(images), h, w, kernel.shape[3])) + bias
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,cf->nhwf", images[:, i:i + h, j:j + w, :], kernel[i, j])
    return np.maximum(out, 0)


def reference_max_pool(x):
    n, h, w, c = x.shape
    x = x[:, :h // 2 * 2, :w // 2 * 2]
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def test_maps_are_the_layer_outputs(lesson_model, images):
    maps = feature_maps(lesson_model, images)
    assert list(maps) == NAMES
    assert [m.shape for m in maps.values()] == [(3, 10, 10, 4), (3, 5, 5, 4), (3, 3, 3, 5),
                                                (3, 1, 1, 5)]
    kernel, bias = lesson_model.get_layer("conv2d").get_weights()
    first = reference_conv_relu(images.astype(np.float64), kernel, bias)
    assert np.allclose(maps["conv2d"], first, atol=1e-5)
    assert np.allclose(maps["max_pooling2d"], reference_max_pool(first), atol=1e-5)
    assert np.allclose(maps["max_pooling2d_1"], reference_max_pool(maps["conv2d_1"]))


def test_the_lessons_activation_model_gives_the_same_arrays(lesson_model, images):
    activation_model = feature_map_model(lesson_model)
    outputs = activation_model.predict(images, verbose=0)
    maps = feature_maps(lesson_model, images)
    assert len(outputs) == 4
    for output, name in zip(outputs, NAMES):
        assert np.allclose(output, maps[name])


def test_choosing_layers_and_single_images(lesson_model, images):
    by_class = feature_maps(lesson_model, images, layers=[L.Conv2D])
    assert list(by_class) == ["conv2d", "conv2d_1"]
    assert list(feature_maps(lesson_model, images, layers="max_pooling2d_1")) == ["max_pooling2d_1"]
    # lesson: testing_images[9].reshape(1, 28, 28, 1); a bare (H, W) image works too
    single = feature_maps(lesson_model, images[0, :, :, 0], layers=[0])
    assert np.allclose(single["conv2d"], feature_maps(lesson_model, images[:1])["conv2d"])
    # lesson 002 passes test_images[[9, 22, 45]]: a batch of grey images without the channel axis
    grey_batch = feature_maps(lesson_model, images[:, :, :, 0])
    assert np.allclose(grey_batch["conv2d"], feature_maps(lesson_model, images)["conv2d"])
    with pytest.raises(ValueError, match="no layer named 'nope'.*conv2d"):
        feature_maps(lesson_model, images, layers=["nope"])


def test_models_without_symbolic_inputs(images):
    unbuilt = Sequential([L.Conv2D(2, 3, name="c"), L.AveragePooling2D(name="p"), L.Flatten(),
                          L.Dense(2)])
    assert [m.shape for m in feature_maps(unbuilt, images).values()] == [(3, 10, 10, 2),
                                                                         (3, 5, 5, 2)]
    with pytest.raises(ValueError, match="input shape is unknown"):
        feature_map_model(Sequential([L.Conv2D(2, 3), L.Flatten()]))

    class Net(Model):
        def __init__(self):
            super().__init__()
            self.conv = L.Conv2D(2, 3, name="net_conv")
            self.head = L.Dense(2)

        def call(self, x):
            return self.head(L.Flatten()(self.conv(x)))

    net = Net()
    maps = feature_maps(net, images)
    assert list(maps) == ["net_conv"] and maps["net_conv"].shape == (3, 10, 10, 2)
    assert "call" not in vars(net.conv)  # the recording wrapper is removed again


def test_plot_is_the_lessons_grid(lesson_model, images, tmp_path):
    path = tmp_path / "maps.png"
    figure = plot_feature_maps(lesson_model, images, filter_index=2, save_path=path)
    maps = feature_maps(lesson_model, images)
    assert len(figure.axes) == 3 * 4 + 4          # the grid, then one colour bar per layer
    grid = np.array(figure.axes[:12]).reshape(3, 4)
    for row in range(3):
        for column, name in enumerate(NAMES):
            shown = grid[row, column].images[0]
            assert np.allclose(shown.get_array(), maps[name][row, :, :, 2])
            assert shown.get_cmap().name == "inferno"
            # one colour scale per layer, shared by its tiles
            assert shown.get_clim() == (maps[name][..., 2].min(), maps[name][..., 2].max())
    assert grid[0, 2].get_title().startswith("conv2d_1")
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size[0] > 300 and png.size[1] > 300
    with_input = plot_feature_maps(lesson_model, images[:2], layers=["conv2d"], show_input=True,
                                   cmap="viridis")
    assert len(with_input.axes) == 2 * 2 + 1
    assert with_input.axes[1].images[0].get_cmap().name == "viridis"


def test_default_shows_each_layers_most_active_channel_never_a_dead_one(lesson_model, images):
    conv = lesson_model.get_layer("conv2d")
    kernel, bias = conv.get_weights()
    bias[0] = -1e3                                 # channel 0 of conv2d is dead: ReLU gives 0
    bias[3] = 5.0                                  # channel 3 is the most active
    conv.set_weights([kernel, bias])
    maps = feature_maps(lesson_model, images)
    figure = plot_feature_maps(lesson_model, images)
    for column, name in enumerate(NAMES):
        shown = figure.axes[column].images[0].get_array()
        assert np.abs(shown).max() > 0            # never a black square
        channel = np.abs(maps[name]).mean(axis=(0, 1, 2)).argmax()
        assert f"channel {channel} (most active)" in figure.axes[column].get_title()
    assert np.array_equal(figure.axes[0].images[0].get_array(), maps["conv2d"][0, :, :, 3])


def test_filter_index_out_of_range(lesson_model, images):
    with pytest.raises(ValueError, match="filter_index=4 is out of range for layer 'conv2d'.*4 channels"):
        plot_feature_maps(lesson_model, images, filter_index=4)


def test_nested_base_model_like_transfer_learning(images):
    base = Sequential([L.Input(shape=(12, 12, 1)), L.Conv2D(3, 3, name="block1_conv1"),
                       L.MaxPooling2D(2, name="block1_pool")], name="base")
    model = Sequential([L.Input(shape=(12, 12, 1)), base, L.Flatten(), L.Dense(2)])
    maps = feature_maps(model, images)
    assert list(maps) == ["block1_conv1", "block1_pool"]
    assert maps["block1_pool"].shape == (3, 5, 5, 3)
    assert np.allclose(maps["block1_conv1"], base.layers[0](images).numpy())
