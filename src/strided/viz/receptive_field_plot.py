"""Draw one unit's receptive field as a rectangle on an image (lesson 003's green box)."""

import numpy as np

from strided.viz._figure import finish, new_figure
from strided.viz.confusion import display_image
from strided.viz.receptive_field import receptive_field


def plot_receptive_field(model, image, position=None, layer_name=None, color="lime", alpha=0.35,
                         cmap="gray", figsize=(6, 6), save_path=None):
    """Shade the input pixels that one output unit of a layer can see.

    Args:
        model: anything `receptive_field` accepts (a model, layers or specs).
        image: (H, W), (H, W, 1) or (H, W, 3) array, or a batch of one image (channels last);
            its size is the input size used for the arithmetic.
        position: (row, column) of the unit in the layer's output; default the unit whose field
            is centred nearest the image centre (as the lesson's visualisation).
        layer_name: which layer (name or index); default the last spatial layer.
        color, alpha: of the shaded box. save_path: write the figure there, atomically.

    Returns:
        The Figure: one axes with the image and a rectangle patch over the field (clipped to
        the image; pixels beyond the edge are padding), titled with the field size.

    Example:
        >>> fig = plot_receptive_field([(3, 1), (5, 2)], np.zeros((32, 32)))
    """
    image = np.asarray(getattr(image, "data", image))
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim not in (2, 3):
        raise ValueError(
            f"plot_receptive_field: expected one image (H, W) or (H, W, C), "
            f"received shape {image.shape}."
        )
    table = receptive_field(model, input_size=image.shape[:2])
    if not table:
        raise ValueError("plot_receptive_field: the model has no spatial layer to follow.")
    row = table[-1 if layer_name is None else layer_name]
    if len(row.size) != 2:
        raise ValueError("plot_receptive_field: draws 2-D receptive fields (images) only.")
    if position is None:
        position = _centre_unit(row, image.shape[:2])
    (top, bottom), (left, right) = table.field(position, layer_name)

    from matplotlib.patches import Rectangle

    figure, axes = new_figure(figsize=figsize)
    ax = axes[0, 0]
    ax.imshow(display_image(image), cmap=cmap)
    box = {"xy": (left - 0.5, top - 0.5), "width": right - left + 1, "height": bottom - top + 1}
    ax.add_patch(Rectangle(**box, facecolor=color, alpha=alpha, edgecolor="none"))
    ax.add_patch(Rectangle(**box, facecolor="none", edgecolor=color, linewidth=2))
    ax.set_xlim(-0.5, image.shape[1] - 0.5)
    ax.set_ylim(image.shape[0] - 0.5, -0.5)
    ax.axis("off")
    ax.set_title(
        f"Receptive field of {row.name} unit {tuple(int(p) for p in position)}\n"
        f"size {'x'.join(map(str, row.size))}, jump {'x'.join(map(str, row.jump))}; "
        f"rows {top}-{bottom}, columns {left}-{right}",
        fontsize=10,
    )
    return finish(figure, save_path)


def _centre_unit(row, image_size):
    """The output position whose field centre is nearest the image centre."""
    position = []
    for axis, n in enumerate(image_size):
        units = row.output_size[axis] if row.output_size else 1
        centre = (n - 1) / 2
        index = round((centre - row.start[axis]) / row.jump[axis])
        position.append(int(min(max(index, 0), max(units - 1, 0))))
    return tuple(position)


__all__ = ["plot_receptive_field"]
