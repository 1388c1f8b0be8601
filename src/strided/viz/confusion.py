"""The confusion matrix (in NumPy), its plot, and a grid of misclassified examples.

    cm = confusion_matrix(y_test, model.predict(x_test))     # rows: true class, columns: predicted
    plot_confusion_matrix(y_test, probabilities, class_names=names, normalize=True)
"""

import numpy as np

from strided.viz._figure import finish, grid_shape, hide_axes, new_figure

_NORMALIZE = {None: None, False: None, True: "true", "true": "true", "pred": "pred", "all": "all"}


def as_labels(y, name="y"):
    """Class indices (1-D int array) from labels, one-hot rows or predicted probabilities.

    (N,) integers stay; (N, C) with C > 1 becomes argmax over classes; (N, 1) is raveled,
    and if its values are not whole numbers (a sigmoid output) thresholded at 0.5.
    """
    y = np.asarray(getattr(y, "data", y))
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{name}: expected class labels of shape (N,), or one-hot/probabilities of shape (N, C). "
            f"Received shape {y.shape}."
        )
    if y.dtype.kind == "f":
        if np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            return y.astype(np.int64)
        return (y > 0.5).astype(np.int64)
    if y.dtype.kind not in "iub":
        raise TypeError(f"{name}: expected integer class labels, received dtype {y.dtype}.")
    return y.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None, normalize=None):
    """Count how often each true class (row) was predicted as each class (column).

    Args:
        y_true, y_pred: labels (N,), or one-hot / probabilities (N, C) (argmax is taken).
        num_classes: size of the matrix; default: 1 + the largest label seen.
        normalize: None/False for counts; "true" (or True) divides each row by its total
            (so the diagonal is the per-class recall), "pred" each column, "all" the total.
            Rows or columns with no samples stay 0.

    Returns:
        An (num_classes, num_classes) int64 array of counts, or float64 when normalised.
        `cm[i, j]` = number of samples of class i predicted as class j (sklearn's convention).

    Example:
        >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
        array([[1, 0, 0],
               [0, 1, 1],
               [0, 0, 1]])
    """
    if normalize not in _NORMALIZE:
        raise ValueError(
            f"confusion_matrix: normalize must be None, True, 'true', 'pred' or 'all'. "
            f"Received: normalize={normalize!r}"
        )
    true, pred = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(
            f"confusion_matrix: y_true and y_pred must hold the same number of samples. "
            f"Received {true.shape[0]} and {pred.shape[0]}."
        )
    if true.size and min(true.min(), pred.min()) < 0:
        raise ValueError("confusion_matrix: class labels must be non-negative integers.")
    seen = int(max(true.max(), pred.max())) + 1 if true.size else 0
    if num_classes is None:
        num_classes = seen
    elif seen > num_classes:
        raise ValueError(
            f"confusion_matrix: found class label {seen - 1}, but num_classes={num_classes}."
        )
    counts = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    matrix = counts.reshape(num_classes, num_classes).astype(np.int64)
    mode = _NORMALIZE[normalize]
    if mode is None:
        return matrix
    totals = {
        "true": matrix.sum(axis=1, keepdims=True),
        "pred": matrix.sum(axis=0, keepdims=True),
        "all": matrix.sum(keepdims=True),
    }[mode].astype(np.float64)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False, cmap="Blues",
                          title=None, figsize=None, save_path=None):
    """Draw the confusion matrix as a heat map with the count (or fraction) in each cell.

    Args:
        y_true, y_pred: as `confusion_matrix` (labels, one-hot or probabilities).
        class_names: tick labels; their number also fixes the matrix size.
        normalize: False for counts, True/"true" for row fractions, "pred" or "all".
        cmap: matplotlib colormap name. title: default "Confusion matrix".
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The matplotlib Figure (one axes with the image, plus a colorbar).

    Example:
        >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], class_names=["cat", "dog"])
    """
    num_classes = None if class_names is None else len(class_names)
    matrix = confusion_matrix(y_true, y_pred, num_classes=num_classes, normalize=normalize)
    n = matrix.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    side = max(4.0, min(0.6 * n + 2.0, 16.0))
    figure, axes = new_figure(figsize=figsize or (side + 1.0, side))
    ax = axes[0, 0]
    image = ax.imshow(matrix, cmap=cmap, interpolation="nearest",
                      vmin=0, vmax=1 if normalize else None)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set(xticks=range(n), yticks=range(n), xlabel="Predicted class", ylabel="True class",
           title=title or ("Confusion matrix (normalised)" if normalize else "Confusion matrix"))
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yticklabels(names)
    if n <= 30:
        threshold = (matrix.max() + matrix.min()) / 2.0
        for (i, j), value in np.ndenumerate(matrix):
            text = f"{value:.2f}" if normalize else str(value)
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if n > 10 else 10,
                    color="white" if value > threshold else "black")
    return finish(figure, save_path)


def plot_misclassified(images, y_true, y_pred, class_names=None, max_images=25, columns=5,
                       cmap="gray", figsize=None, save_path=None):
    """A grid of the first `max_images` wrongly predicted images, titled "true / predicted".

    Args:
        images: (N, H, W), (N, H, W, 1) or (N, H, W, 3) array (channels last).
        y_true, y_pred: labels, one-hot or probabilities for the same N images.
        class_names: names shown in the titles instead of class numbers.
        max_images, columns: size of the grid. cmap: for single-channel images.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure: one axes per misclassified image shown, or a single axes saying there were
        none.

    Example:
        >>> fig = plot_misclassified(x_test, y_test, model.predict(x_test), class_names=names)
    """
    images = np.asarray(getattr(images, "data", images))
    true, pred = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    if not (len(images) == len(true) == len(pred)):
        raise ValueError(
            f"plot_misclassified: images, y_true and y_pred must have the same length. "
            f"Received {len(images)}, {len(true)} and {len(pred)}."
        )
    wrong = np.flatnonzero(true != pred)[:max_images]
    if wrong.size == 0:
        figure, axes = new_figure(figsize=figsize or (4, 2))
        axes[0, 0].text(0.5, 0.5, "No misclassified examples", ha="center", va="center")
        hide_axes(axes)
        return finish(figure, save_path)

    def name(label):
        return short_label(class_names[label] if class_names is not None else label)

    rows, cols = grid_shape(wrong.size, columns)
    figure, axes = new_figure(rows, cols, figsize=figsize or (2.2 * cols, 2.4 * rows))
    hide_axes(axes)
    for ax, index in zip(axes.flat, wrong):
        ax.imshow(display_image(images[index]), cmap=cmap)
        ax.set_title(f"true: {name(true[index])}\npred: {name(pred[index])}", fontsize=8,
                     color="firebrick")
    for ax in axes.flat[wrong.size:]:
        figure.delaxes(ax)
    return finish(figure, save_path)


def short_label(label, width=14):
    """A class name cut to `width` characters (ending in '…'), so that titles of neighbouring
    tiles (2.2 inches wide at 8 points) never run into each other."""
    text = str(label)
    return text if len(text) <= width else text[:width - 1] + "…"


def display_image(image):
    """An (H, W) or (H, W, 3) array imshow can draw: drops a single channel axis, and rescales
    floats outside [0, 1] (e.g. 0..255 floats or standardised pixels) to [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype.kind == "f" and image.ndim == 3 and (image.min() < 0 or image.max() > 1):
        low, high = float(image.min()), float(image.max())
        image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image


__all__ = ["confusion_matrix", "plot_confusion_matrix", "plot_misclassified"]
