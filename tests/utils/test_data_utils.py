"""to_categorical, normalize, split_dataset and train_val_split, against Keras' documented behaviour."""

import numpy as np
import pytest

from strided.utils.data_utils import normalize, split_dataset, to_categorical, train_val_split


def test_to_categorical_basic():
    out = to_categorical([0, 2, 1, 2], num_classes=4)
    assert out.dtype == np.float32 and out.shape == (4, 4)
    np.testing.assert_array_equal(out.argmax(1), [0, 2, 1, 2])
    np.testing.assert_array_equal(out.sum(1), 1)
    assert out[:, 3].sum() == 0


def test_to_categorical_infers_classes_and_drops_trailing_one():
    assert to_categorical(np.array([[3], [1]], np.uint8)).shape == (2, 4)  # CIFAR's (N, 1) labels
    assert to_categorical(np.zeros((2, 3), int), 5).shape == (2, 3, 5)
    np.testing.assert_array_equal(to_categorical([1.0, 0.0]), [[0, 1], [1, 0]])


@pytest.mark.parametrize(
    "labels, classes, message",
    [
        ([0, 3], 3, r"labels must be in \[0, 3\).*from 0 to 3"),
        ([-1, 0], 3, "from -1 to 0"),
        ([0.5], 2, "whole numbers"),
        ([0, 1], 0, "num_classes must be a positive int"),
    ],
)
def test_to_categorical_rejects_bad_labels(labels, classes, message):
    with pytest.raises(ValueError, match=message):
        to_categorical(labels, classes)


def test_to_categorical_rejects_strings():
    with pytest.raises(TypeError, match="labels must be integers"):
        to_categorical(np.array(["a"]))


def test_normalize_matches_the_formula(rng):
    x = rng.normal(size=(5, 7))
    out = normalize(x)
    np.testing.assert_allclose(out, x / np.linalg.norm(x, axis=-1, keepdims=True))
    np.testing.assert_allclose(np.linalg.norm(normalize(x, axis=0), axis=0), 1)
    np.testing.assert_allclose(np.abs(normalize(x, order=1)).sum(-1), 1)


def test_normalize_keeps_zero_vectors_and_float32():
    out = normalize(np.array([[0, 0], [3, 4]], np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0], [0.6, 0.8]])
    assert normalize(np.array([[3, 4]])).dtype == np.float32  # integers -> floatx


def test_split_dataset_sizes_and_content():
    x, y = np.arange(10), np.arange(10) * 10
    (xa, _ya), (_xb, yb) = split_dataset((x, y), left_size=0.8)
    np.testing.assert_array_equal(xa, np.arange(8))
    np.testing.assert_array_equal(yb, [80, 90])
    a, b = split_dataset(x, right_size=3, shuffle=True, seed=1)
    assert len(a) == 7 and len(b) == 3 and sorted(np.concatenate([a, b])) == list(range(10))
    a2, _ = split_dataset(x, right_size=3, shuffle=True, seed=1)
    np.testing.assert_array_equal(a, a2)
    with pytest.raises(ValueError, match="left_size as a fraction must be in"):
        split_dataset(x, left_size=1.5)
    with pytest.raises(ValueError, match="same length"):
        split_dataset((x, y[:3]))
    with pytest.raises(ValueError, match="exceeds"):
        split_dataset(x, left_size=8, right_size=8)


def test_train_val_split_is_seeded_and_disjoint():
    x = np.arange(100)[:, None].repeat(2, 1)
    y = np.arange(100) % 10
    (x_tr, y_tr), (x_val, _y_val) = train_val_split(x, y, 0.2, seed=3)
    assert len(x_tr) == 80 and len(x_val) == 20
    assert (
        set(x_tr[:, 0]).isdisjoint(x_val[:, 0]) and len(set(x_tr[:, 0]) | set(x_val[:, 0])) == 100
    )
    np.testing.assert_array_equal(y_tr, x_tr[:, 0] % 10)  # pairs stay together
    (x_tr2, _), _ = train_val_split(x, y, 0.2, seed=3)
    np.testing.assert_array_equal(x_tr, x_tr2)
    _a, b = train_val_split(x, validation_split=10, shuffle=False)
    np.testing.assert_array_equal(
        b[:, 0], np.arange(90, 100)
    )  # like fit(validation_split): the end


def test_train_val_split_stratified_keeps_class_shares():
    y = np.repeat(np.arange(4), [40, 30, 20, 10])
    x = np.arange(100)
    (_, y_tr), (_x_val, y_val) = train_val_split(x, y, 0.1, seed=0, stratify=True)
    assert np.bincount(y_val).tolist() == [4, 3, 2, 1]
    assert np.bincount(y_tr).tolist() == [36, 27, 18, 9]
    one_hot = np.eye(4)[y]
    (_, _y_tr_oh), (_, y_val_oh) = train_val_split(x, one_hot, 0.1, seed=0, stratify=True)
    assert y_val_oh.sum(0).tolist() == [4, 3, 2, 1]
    with pytest.raises(ValueError, match="stratify=True needs labels"):
        train_val_split(x, stratify=True)
