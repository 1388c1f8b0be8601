"""Plots of saliency maps and Grad-CAM: one row per image, the image beside its explanation."""

import numpy as np

from strided.viz._figure import finish, new_figure
from strided.viz.confusion import display_image
from strided.viz.feature_maps import as_image_batch
from strided.viz.saliency import _find_layer, class_score_gradient, grad_cam


def _label(classes, outputs, index, class_names):
    c = int(classes[index])
    name = class_names[c] if class_names is not None else c
    return f"class {name} (score {outputs[index, c]:.2f})"


def _outputs(model, batch):
    from strided.autograd import no_grad

    with no_grad():
        return np.asarray(model(batch, training=False).data)


def _rows(count, figsize, columns=2):
    return new_figure(count, columns, figsize=figsize or (3.2 * columns, 3.0 * count))


def plot_saliency(model, images, class_index=None, class_names=None, cmap="hot", figsize=None,
                  save_path=None):
    """Each image next to its saliency map |d(class score)/d(pixel)| (max over channels).

    Args:
        model, images, class_index: as `saliency_map` (default: each image's predicted class).
        class_names: shown in the titles. cmap: of the saliency map.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure with 2 axes per image (image, saliency).

    Example:
        >>> fig = plot_saliency(model, x_test[:3], class_names=names)
    """
    batch = as_image_batch(model, images)
    gradient, classes, _ = class_score_gradient(model, batch, class_index)
    outputs = _outputs(model, batch)
    maps = np.abs(gradient).max(axis=-1)
    figure, axes = _rows(len(batch), figsize)
    for row in range(len(batch)):
        axes[row, 0].imshow(display_image(batch[row]), cmap="gray")
        axes[row, 0].set_title(_label(classes, outputs, row, class_names), fontsize=9)
        axes[row, 1].imshow(maps[row], cmap=cmap)
        axes[row, 1].set_title("saliency |dS/dx|", fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    return finish(figure, save_path)


def plot_grad_cam(model, images, class_index=None, layer_name=None, class_names=None,
                  cmap="jet", alpha=0.45, figsize=None, save_path=None):
    """Each image next to its Grad-CAM heat map laid over it (a map with no positive evidence
    is drawn empty and titled so, not stretched from noise).

    Args:
        model, images, class_index, layer_name: as `grad_cam`.
        class_names: shown in the titles. cmap, alpha: of the overlaid heat map.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure with 2 axes per image (image, image + heat map).

    Example:
        >>> fig = plot_grad_cam(model, x_test[:3], layer_name="conv2d_1")
    """
    batch = as_image_batch(model, images)
    layer = _find_layer(model, layer_name)
    heat = grad_cam(model, batch, class_index, layer, upsample=True, normalize=True)
    outputs = _outputs(model, batch)
    classes = np.argmax(outputs, axis=1) if class_index is None else np.broadcast_to(
        np.asarray(class_index), (len(batch),))
    figure, axes = _rows(len(batch), figsize)
    for row in range(len(batch)):
        image = display_image(batch[row])
        axes[row, 0].imshow(image, cmap="gray")
        axes[row, 0].set_title(_label(classes, outputs, row, class_names), fontsize=9)
        axes[row, 1].imshow(image, cmap="gray")
        axes[row, 1].imshow(heat[row], cmap=cmap, alpha=alpha, vmin=0.0, vmax=1.0)
        empty = "" if heat[row].max() > 0 else ": empty, no positive evidence"
        axes[row, 1].set_title(f"Grad-CAM ({layer.name}){empty}", fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    return finish(figure, save_path)


__all__ = ["plot_grad_cam", "plot_saliency"]
