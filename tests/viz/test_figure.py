"""_figure: lazy matplotlib with a clear install hint, headless figures, atomic PNG writes."""

import builtins
import os

import numpy as np
import pytest
from PIL import Image

from strided.viz import _figure


def png_size(path):
    """(width, height) of a PNG, after checking it really is one (Pillow verifies the data)."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
        return image.size


def test_missing_matplotlib_names_the_package(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install matplotlib"):
        _figure.new_figure()
    from strided.viz import plot_history  # importing strided.viz itself never needs matplotlib

    with pytest.raises(ImportError, match="matplotlib"):
        plot_history({"loss": [1.0, 0.5]})


def test_headless_figures_are_not_tracked_by_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figure, axes = _figure.new_figure(2, 3)
    assert axes.shape == (2, 3) and len(figure.axes) == 6
    assert plt.get_fignums() == before  # Agg: nothing leaks into pyplot's registry


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    figure, axes = _figure.new_figure(figsize=(4, 3))
    axes[0, 0].plot([0, 1], [1, 0])
    target = tmp_path / "nested" / "plot.png"
    assert _figure.finish(figure, save_path=target, dpi=50) is figure
    assert png_size(target) == (200, 150)
    assert os.listdir(target.parent) == ["plot.png"]

    class Broken(Exception):
        pass

    def failing_savefig(*args, **kwargs):
        raise Broken()

    figure.savefig = failing_savefig
    with pytest.raises(Broken):
        _figure.save_figure(figure, tmp_path / "nested" / "other.png")
    assert os.listdir(target.parent) == ["plot.png"]  # no partial or temporary file


def test_format_follows_the_extension(tmp_path):
    figure, axes = _figure.new_figure()
    axes[0, 0].imshow(np.eye(3))
    _figure.save_figure(figure, tmp_path / "plot.svg")
    assert (tmp_path / "plot.svg").read_text().lstrip().startswith("<?xml")


def test_grid_shape():
    assert _figure.grid_shape(32, 8) == (4, 8)
    assert _figure.grid_shape(5, 8) == (1, 5)
    assert _figure.grid_shape(9, 4) == (3, 4)


def test_with_a_gui_backend_figures_go_through_pyplot(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(_figure, "_uses_pyplot", lambda matplotlib: True)
    figure, _ = _figure.new_figure()
    try:
        assert figure.number in plt.get_fignums()  # so plt.show() in a script displays it
    finally:
        plt.close(figure)
