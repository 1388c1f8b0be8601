"""Feature maps: what each Conv2D and pooling layer outputs for a few images (lesson 002).

The lesson's recipe, kept as `feature_map_model`:

    layer_outputs = [layer.output for layer in model.layers if type(layer) in LAYERS_TO_VIZUALIZE]
    activation_model = Model(inputs=model.inputs, outputs=layer_outputs)
    f1 = activation_model.predict(testing_images[FIRST_IMAGE].reshape(1, 28, 28, 1))[x]
    axis[0, x].imshow(f1[0, :, :, CONVOLUTION_NUMBER], cmap="inferno")

`feature_maps` returns the same arrays for any model (also subclassed or not yet built) by
recording the layers' outputs during one forward pass, and `plot_feature_maps` draws the
lesson's grid: one row per image, one column per layer, each layer's most active channel
(or channel `filter_index`, as the lesson), with one colour scale per layer.
"""

import numpy as np

from strided import _config
from strided.autograd import no_grad
from strided.viz._capture import capture, channels_last, resolve_layers
from strided.viz._figure import finish, new_figure


def is_feature_layer(layer):
    """Conv and windowed pooling layers (have a kernel_size or pool_size): lesson 002's choice."""
    return hasattr(layer, "kernel_size") or hasattr(layer, "pool_size")


def as_image_batch(model, images):
    """A floatx batch (N, H, W, C) from one image or a batch, adding the axes the lesson adds
    with `.reshape(1, 28, 28, 1)` (a missing batch axis, a missing grey channel)."""
    images = np.asarray(getattr(images, "data", images))
    if images.dtype.kind not in "fiub":
        raise TypeError(f"expected numeric images, received dtype {images.dtype}.")
    expected = None
    inputs = getattr(model, "inputs", None)
    if inputs:
        expected = tuple(inputs[0].shape)  # (None, H, W, C)
    if expected is not None:
        rank = len(expected)
        if images.ndim == rank - 1 and expected[-1] == 1 and images.shape[1:] == expected[1:-1]:
            images = images[..., None]  # a batch of grey images without the channel axis
        while images.ndim < rank:
            images = images[None] if images.ndim == rank - 1 else images[..., None]
    elif images.ndim == 2:
        images = images[None, :, :, None]
    elif images.ndim == 3:
        images = images[None] if images.shape[-1] in (1, 3, 4) else images[..., None]
    dtype = getattr(model, "dtype", None)
    dtype = dtype if isinstance(dtype, str) and dtype.startswith("float") else _config.floatx()
    return images.astype(dtype, copy=False)


def feature_maps(model, images, layers=None):
    """Outputs of chosen layers for `images`, by layer name (channels last, NumPy arrays).

    Args:
        model: a built or unbuilt model.
        images: one image (H, W) / (H, W, C) or a batch (N, H, W, C).
        layers: names, indices, layer objects or layer classes; default every Conv and
            pooling layer, in order.

    Returns:
        dict {layer name: array of shape (N, h, w, channels)} in the model's layer order.

    Example:
        >>> maps = feature_maps(model, x_test[:3])
        >>> {name: m.shape for name, m in maps.items()}   # {'conv2d': (3, 26, 26, 64), ...}
    """
    chosen = resolve_layers(model, layers, is_feature_layer)
    batch = as_image_batch(model, images)
    with no_grad(), capture(chosen) as records:
        model(batch, training=False)
    missing = [layer.name for layer in chosen if id(layer) not in records]
    if missing:
        raise ValueError(f"feature_maps: layers {missing} were not run by the model's forward pass.")
    return {layer.name: channels_last(np.array(records[id(layer)].data), layer) for layer in chosen}


def feature_map_model(model, layers=None):
    """Lesson 002's `activation_model`: a functional Model from the model's input to the
    outputs of the chosen layers (default every Conv and pooling layer).

    `feature_map_model(model).predict(x)` returns one array per layer. Needs a model whose
    input shape is known (an `Input`, or `input_shape=` on the first layer).
    """
    from strided.models import Model

    if not getattr(model, "inputs", None):
        raise ValueError(
            "feature_map_model: the model has no symbolic inputs (its input shape is unknown). "
            "Give the first layer input_shape=... or start with keras.Input(shape=...); "
            "or use feature_maps(model, images), which works for any model."
        )
    chosen = resolve_layers(model, layers, is_feature_layer)
    return Model(inputs=model.inputs, outputs=[layer.output for layer in chosen])


def most_active_channel(values):
    """The channel of a (N, h, w, channels) map with the largest mean |activation| over the
    images and pixels: never a dead (all-zero) channel while a live one exists."""
    return int(np.abs(values).mean(axis=(0, 1, 2)).argmax())


def _chosen_channels(maps, filter_index):
    if filter_index is None:
        return {name: most_active_channel(values) for name, values in maps.items()}
    for name, values in maps.items():
        if not 0 <= filter_index < values.shape[-1]:
            raise ValueError(
                f"plot_feature_maps: filter_index={filter_index} is out of range for layer "
                f"'{name}', which has {values.shape[-1]} channels (output shape {values.shape})."
            )
    return {name: filter_index for name in maps}


def plot_feature_maps(model, images, layers=None, filter_index=None, cmap="inferno",
                      show_input=False, figsize=None, save_path=None):
    """The lessons' grid: rows = images, columns = layers, one channel of each layer.

    Every tile of a column shares one colour scale, drawn as the column's colour bar, so
    brighter means a larger activation across images; each column's title names the layer,
    its map size and the channel shown.

    Args:
        model: the model. images: one image or a batch (lesson 002 shows three images of
            the same class, e.g. `x_test[[9, 22, 45]]`).
        layers: as `feature_maps` (default every Conv2D and pooling layer).
        filter_index: the channel shown in every layer (lesson 002's CONVOLUTION_NUMBER), or
            None (default): each layer's most active channel for these images, so no tile
            shows a dead channel as a black square.
        cmap: colormap ("inferno" as the lesson). show_input: add a first column with the images.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure: N x len(layers) image axes (plus N if show_input), row by row, then one
        colour-bar axes per layer.

    Example:
        >>> fig = plot_feature_maps(model, x_test[[9, 22, 45]], filter_index=2)
    """
    maps = feature_maps(model, images, layers)
    channels = _chosen_channels(maps, filter_index)
    count = next(iter(maps.values())).shape[0]
    columns = len(maps) + bool(show_input)
    figure, axes = new_figure(count, columns, figsize=figsize or (2.4 * columns, 2.4 * count + 0.8))
    if show_input:
        from strided.viz.confusion import display_image

        batch = as_image_batch(model, images)
        for row in range(count):
            axes[row, 0].imshow(display_image(batch[row]), cmap="gray")
        axes[0, 0].set_title("input", fontsize=9)
    shown = []
    for column, (name, values) in enumerate(maps.items(), start=int(show_input)):
        channel = values[..., channels[name]]
        low, high = float(channel.min()), float(channel.max())
        for row in range(count):
            image = axes[row, column].imshow(channel[row], cmap=cmap, vmin=low, vmax=high)
        why = "most active" if filter_index is None else "chosen"
        axes[0, column].set_title(f"{name} {values.shape[1]}x{values.shape[2]}\n"
                                  f"channel {channels[name]} ({why})", fontsize=8)
        shown.append((image, axes[:, column]))
    for ax in axes.flat:
        ax.grid(False)
        ax.set_xticks([])
        ax.set_yticks([])
    for row in range(count):
        axes[row, 0].set_ylabel(f"image {row}", fontsize=9)
    for image, column_axes in shown:
        bar = figure.colorbar(image, ax=list(column_axes), orientation="horizontal",
                              fraction=0.05, pad=0.04)
        bar.ax.tick_params(labelsize=7)
    title = "each layer's most active channel" if filter_index is None else f"channel {filter_index}"
    figure.suptitle(f"Feature maps, {title} (one colour scale per layer)", fontsize=10)
    return finish(figure, save_path)


__all__ = ["feature_map_model", "feature_maps", "most_active_channel", "plot_feature_maps"]
