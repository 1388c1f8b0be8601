"""confusion_matrix counts (against a loop), its plot, and the misclassified-examples grid."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.image import imread

from strided.viz import confusion_matrix, plot_confusion_matrix, plot_misclassified


def loop_confusion(y_true, y_pred, n):
    matrix = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
def test_counts_match_a_loop(case):
    n, pairs = case
    y_true = np.array([t for t, _ in pairs], dtype=np.int64)
    y_pred = np.array([p for _, p in pairs], dtype=np.int64)
    matrix = confusion_matrix(y_true, y_pred, num_classes=n)
    assert matrix.dtype == np.int64 and matrix.shape == (n, n)
    assert (matrix == loop_confusion(y_true, y_pred, n)).all()
    assert matrix.sum() == len(pairs) and np.trace(matrix) == int((y_true == y_pred).sum())


def test_known_example_and_normalisations():
    y_true, y_pred = [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2]
    assert confusion_matrix(y_true, y_pred).tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    rows = confusion_matrix(y_true, y_pred, normalize=True)
    assert np.allclose(rows, [[0.5, 0.5, 0], [0, 2 / 3, 1 / 3], [0, 0, 1]])
    assert np.allclose(confusion_matrix(y_true, y_pred, normalize="pred"),
                       [[1, 1 / 3, 0], [0, 2 / 3, 0.5], [0, 0, 0.5]])
    assert np.isclose(confusion_matrix(y_true, y_pred, normalize="all").sum(), 1.0)
    # a class never seen stays a zero row, not NaN
    empty_row = confusion_matrix([0, 0], [0, 1], num_classes=3, normalize="true")
    assert np.isfinite(empty_row).all() and empty_row[2].sum() == 0


def test_probabilities_and_one_hot_are_argmaxed():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1]])
    one_hot = np.eye(3)[[0, 2, 2]]
    assert confusion_matrix(one_hot, probabilities).tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 1]]
    sigmoid = np.array([[0.2], [0.9], [0.6]])
    assert confusion_matrix([0, 1, 0], sigmoid).tolist() == [[1, 1], [0, 1]]


def test_bad_inputs():
    with pytest.raises(ValueError, match="same number of samples"):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="normalize must be"):
        confusion_matrix([0], [0], normalize="rows")
    with pytest.raises(ValueError, match="non-negative"):
        confusion_matrix([-1], [0])
    with pytest.raises(ValueError, match="expected class labels of shape"):
        confusion_matrix(np.zeros((2, 2, 2)), [0, 1])


def test_plot_confusion_matrix(tmp_path):
    names = ["T-shirt", "Trouser", "Pullover"]
    path = tmp_path / "cm.png"
    figure = plot_confusion_matrix([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], class_names=names,
                                   save_path=path)
    ax = figure.axes[0]
    assert len(figure.axes) == 2  # the matrix and its colorbar
    assert (ax.images[0].get_array() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]).all()
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert sorted(t.get_text() for t in ax.texts) == sorted("110021001")
    assert imread(path).shape[0] >= 300
    normalised = plot_confusion_matrix([0, 1], [0, 0], normalize=True)
    assert "1.00" in [t.get_text() for t in normalised.axes[0].texts]
    # class_names fixes the size even when a class never occurs
    assert plot_confusion_matrix([0], [0], class_names=names).axes[0].images[0].get_array().shape == (3, 3)


def test_plot_misclassified(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(12, 8, 8, 1))
    y_true = np.arange(12) % 3
    y_pred = y_true.copy()
    y_pred[[1, 4, 7, 10]] = (y_pred[[1, 4, 7, 10]] + 1) % 3
    figure = plot_misclassified(images, y_true, np.eye(3)[y_pred], class_names=["a", "b", "c"],
                                save_path=tmp_path / "wrong.png")
    assert len(figure.axes) == 4
    assert figure.axes[0].get_title() == "true: b\npred: c"
    assert np.allclose(figure.axes[0].images[0].get_array(), images[1, :, :, 0])
    assert imread(tmp_path / "wrong.png").ndim == 3
    assert len(plot_misclassified(images, y_true, y_pred, max_images=2).axes) == 2
    none_wrong = plot_misclassified(images, y_true, y_true)
    assert none_wrong.axes[0].texts[0].get_text() == "No misclassified examples"
    colour = plot_misclassified(rng.uniform(0, 255, (2, 4, 4, 3)), [0, 1], [1, 0])
    shown = colour.axes[0].images[0].get_array()
    assert shown.shape == (4, 4, 3) and shown.min() >= 0 and shown.max() <= 1
    with pytest.raises(ValueError, match="same length"):
        plot_misclassified(images[:3], y_true, y_pred)


def test_misclassified_titles_of_long_folder_names_do_not_overlap():
    names = ["golden_retriever_puppies", "labrador_retriever_puppies", "cat"]
    images = np.zeros((3, 8, 8, 1))
    figure = plot_misclassified(images, [0, 1, 2], [1, 0, 2], class_names=names)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    boxes = [ax.title.get_window_extent(renderer) for ax in figure.axes]
    assert len(boxes) == 2 and not boxes[0].overlaps(boxes[1])
    assert figure.axes[0].get_title() == "true: golden_retrie…\npred: labrador_retr…"
