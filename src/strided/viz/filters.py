"""The learned kernels of a convolution layer as an image grid (lesson 001's plot_filters).

    filters, biases = layer.get_weights()
    f_min, f_max = filters.min(), filters.max()
    filters = (filters - f_min) / (f_max - f_min)          # the lesson: all kernels to [0, 1]
    ax.imshow(filters[:, :, 0, i], cmap="gray")            # one tile per filter
"""

import numpy as np

from strided.viz._capture import all_layers, get_layer
from strided.viz._figure import finish, grid_shape, hide_axes, new_figure


def conv_kernel(layer):
    """The layer's kernel as (kh, kw, in_channels, filters), whatever the conv flavour."""
    if not hasattr(layer, "kernel_size"):
        raise ValueError(f"plot_filters: layer '{layer.name}' ({type(layer).__name__}) is not a "
                         "convolution layer; pick a Conv2D layer.")
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        kernel = getattr(layer, "depthwise_kernel", None)
    if kernel is None:
        raise ValueError(
            f"plot_filters: layer '{layer.name}' ({type(layer).__name__}) has no convolution "
            "kernel (is it built, and is it a Conv2D?)."
        )
    kernel = np.array(getattr(kernel, "data", kernel))
    names = {cls.__name__ for cls in type(layer).__mro__}
    if kernel.ndim == 3:  # Conv1D (k, cin, cout): a 1-pixel-high tile per filter
        kernel = kernel[None]
    if kernel.ndim != 4:
        raise ValueError(f"plot_filters: expected a 2-D convolution kernel, layer '{layer.name}' "
                         f"has a kernel of shape {kernel.shape}.")
    if any("Transpose" in n for n in names):  # (kh, kw, cout, cin)
        kernel = np.swapaxes(kernel, 2, 3)
    elif any("Depthwise" in n or "Separable" in n for n in names):  # (kh, kw, cin, multiplier)
        kh, kw, cin, multiplier = kernel.shape
        kernel = kernel.reshape(kh, kw, 1, cin * multiplier)
    return kernel


def _scale(values, low, high):
    span = high - low
    return (values - low) / span if span > 0 else np.zeros_like(values)


def filter_images(kernel, channel=None, normalize="global"):
    """Tiles (filters, kh, kw) or (filters, kh, kw, 3) in [0, 1] from a (kh, kw, cin, cout) kernel.

    channel: None -> colour tiles when cin == 3, else the mean over input channels;
        "mean" -> mean over input channels; int -> that input channel (the lesson uses 0).
    normalize: "global" -> one min/max for all the kernel's weights (the lesson; tiles stay
        comparable); "filter" -> each tile stretched to [0, 1] on its own.
    """
    if normalize not in ("global", "filter"):
        raise ValueError(f"plot_filters: normalize must be 'global' or 'filter'. Received {normalize!r}")
    cin = kernel.shape[2]
    if channel is None:
        channel = "rgb" if cin == 3 else "mean"
    if channel == "rgb":
        if cin != 3:
            raise ValueError(f"plot_filters: channel='rgb' needs 3 input channels, the kernel has {cin}.")
        tiles = np.moveaxis(kernel, 3, 0)  # (cout, kh, kw, 3)
    elif channel == "mean":
        tiles = np.moveaxis(kernel.mean(axis=2), 2, 0)
    elif isinstance(channel, (int, np.integer)) and -cin <= channel < cin:
        tiles = np.moveaxis(kernel[:, :, channel, :], 2, 0)
    else:
        raise ValueError(
            f"plot_filters: channel must be None, 'mean', 'rgb' or an input-channel index in "
            f"[0, {cin}). Received channel={channel!r}"
        )
    tiles = tiles.astype(np.float64)
    if normalize == "global":
        return _scale(tiles, tiles.min(), tiles.max())
    axes = tuple(range(1, tiles.ndim))
    low, high = tiles.min(axis=axes, keepdims=True), tiles.max(axis=axes, keepdims=True)
    span = high - low
    return np.divide(tiles - low, span, out=np.zeros_like(tiles), where=span > 0)


def plot_filters(model, layer_name=None, n_filters=None, channel=None, normalize="global",
                 columns=8, cmap="gray", figsize=None, save_path=None):
    """Show the learned kernels of a convolution layer, one tile per filter.

    Args:
        model: the model (or the convolution layer itself).
        layer_name: the Conv2D layer's name (lesson: 'conv2d'); default the first conv layer.
        n_filters: how many filters to show; default all, at most 64.
        channel: None (colour for 3 input channels, else the mean over input channels),
            "mean", "rgb", or an input-channel index (lesson 001 shows channel 0).
        normalize: "global" (lesson 001: all weights to [0, 1] with one min/max) or "filter".
        columns: tiles per row (the lesson uses 8). cmap: for single-channel tiles.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure with one image axes per filter shown.

    Example:
        >>> fig = plot_filters(model, "conv2d", n_filters=32)
    """
    if hasattr(model, "layers"):
        if layer_name is None:
            candidates = [layer for layer in all_layers(model) if hasattr(layer, "kernel_size")]
            if not candidates:
                raise ValueError(f"plot_filters: model '{model.name}' has no convolution layer.")
            layer = candidates[0]
        else:
            layer = get_layer(model, layer_name)
    else:
        layer = model
    kernel = conv_kernel(layer)
    tiles = filter_images(kernel, channel=channel, normalize=normalize)
    count = len(tiles) if n_filters is None and len(tiles) <= 64 else min(n_filters or 64, len(tiles))
    rows, cols = grid_shape(count, columns)
    figure, axes = new_figure(rows, cols, figsize=figsize or (1.4 * cols, 1.5 * rows + 0.6))
    hide_axes(axes)
    for index, ax in enumerate(axes.flat[:count]):
        ax.imshow(tiles[index], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(str(index), fontsize=7)
    for ax in axes.flat[count:]:
        figure.delaxes(ax)
    kh, kw, cin, cout = kernel.shape
    figure.suptitle(f"{layer.name}: {count} of {cout} filters, {kh}x{kw}x{cin}; "
                    f"{tile_description(cin, channel)}", fontsize=9)
    if normalize == "global" and tiles.ndim == 3:  # grey tiles: a bar maps grey to weights
        weights = _shown_weights(kernel, channel)
        image = axes.flat[0].images[0]
        bar = figure.colorbar(image, ax=list(axes.flat[:count]), orientation="horizontal",
                              fraction=0.04, pad=0.04)
        ticks = np.linspace(0.0, 1.0, 3)
        bar.set_ticks(ticks)
        bar.set_ticklabels([f"{v:.2g}" for v in weights.min() + ticks * np.ptp(weights)])
        bar.set_label("weight (one scale for every tile)", fontsize=7)
        bar.ax.tick_params(labelsize=7)
    return finish(figure, save_path)


def tile_description(in_channels, channel):
    """What one tile shows, in words (the plot's title says it)."""
    if channel is None:
        channel = "rgb" if in_channels == 3 else "mean"
    if channel == "rgb":
        return "each tile the RGB kernel"
    if channel == "mean":
        if in_channels == 1:
            return "each tile the kernel"
        return f"each tile the mean over {in_channels} input channels"
    return f"each tile input channel {channel} of {in_channels}"


def _shown_weights(kernel, channel):
    cin = kernel.shape[2]
    if channel is None:
        channel = "rgb" if cin == 3 else "mean"
    if channel == "rgb":
        return kernel
    if channel == "mean":
        return kernel.mean(axis=2)
    return kernel[:, :, channel, :]


__all__ = ["plot_filters"]
