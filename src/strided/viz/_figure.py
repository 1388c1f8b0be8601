"""Figures for strided.viz: matplotlib imported lazily, headless-safe, saved atomically.

matplotlib is imported only when a figure is drawn (it is slow to import), so nothing here imports it at
module level. Every plot function makes its figure with `new_figure`, draws, and ends with
`finish(figure, save_path)`, which writes the image (if asked) and returns the Figure:

- In Jupyter (inline backend) and on headless machines (Agg), the figure is a plain
  `matplotlib.figure.Figure` that pyplot does not track: returning it displays it once in a
  notebook, and creating hundreds in a loop leaks nothing.
- With a GUI backend (a script run on a desktop), the figure is made through pyplot, so
  `plt.show()` after a plot call shows it as usual.
"""

import os
import uuid
import warnings

_INSTALL_HINT = (
    "strided.viz needs matplotlib to draw figures, and it is not installed. "
    "It is one of strided's dependencies: pip install matplotlib"
)
_NON_GUI_BACKENDS = ("agg", "pdf", "ps", "svg", "pgf", "cairo", "template")


def require_matplotlib():
    """Import matplotlib, or raise ImportError telling the user how to install it."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return matplotlib


def _uses_pyplot(matplotlib):
    backend = str(matplotlib.get_backend()).lower()
    return not (backend in _NON_GUI_BACKENDS or "inline" in backend)


def new_figure(nrows=1, ncols=1, figsize=None, squeeze=False, **subplot_kw):
    """A Figure with an (nrows, ncols) grid of axes; returns (figure, axes array).

    `axes` is always a 2-D object array unless `squeeze=True` (then as `plt.subplots`).
    """
    matplotlib = require_matplotlib()
    if _uses_pyplot(matplotlib):
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=figsize)
    else:
        from matplotlib.figure import Figure

        figure = Figure(figsize=figsize)
    axes = figure.subplots(nrows, ncols, squeeze=squeeze, subplot_kw=subplot_kw or None)
    return figure, axes


def finish(figure, save_path=None, dpi=100):
    """Lay the figure out, save it to `save_path` (atomically) if given, and return it."""
    if len(figure.axes) > 30:  # big image grids: fixed spacing (tight_layout is slow there)
        figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92, wspace=0.1,
                               hspace=0.3)
    else:
        with warnings.catch_warnings():  # "not compatible with tight_layout": still a fine figure
            warnings.simplefilter("ignore")
            figure.tight_layout()
    if save_path is not None:
        save_figure(figure, save_path, dpi=dpi)
    return figure


def save_figure(figure, path, dpi=100):
    """Write `figure` to `path` (format from the extension, PNG if none) via temp file + rename.

    A reader never sees a half-written image, and a failed save leaves no partial file.
    Missing parent folders are created.
    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # Same folder (so the rename is atomic), ordinary permissions (unlike mkstemp's 0600).
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "xb") as stream:
            figure.savefig(stream, format=extension, dpi=dpi)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def hide_axes(axes):
    """Turn off ticks and frames on every axes of an array (for image grids)."""
    for ax in getattr(axes, "flat", [axes]):
        ax.axis("off")


def grid_shape(count, columns=8):
    """(rows, columns) of a grid holding `count` tiles, at most `columns` wide."""
    columns = max(1, min(columns, count))
    return -(-count // columns), columns


__all__ = []
