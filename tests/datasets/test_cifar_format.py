"""CIFAR python-pickle and binary batches: parsed exactly, broken or hostile files rejected by name."""

import os
import pickle

import numpy as np
import pytest

from strided.datasets.cifar import parse_binary_batch, parse_python_batch
from strided.datasets.errors import DatasetError


def images_with_known_pixels(n):
    """Image i: red plane = i, green = 100 + i, blue = 200; pixel (row 1, col 2) of red = 77."""
    planes = np.zeros((n, 3, 32, 32), np.uint8)
    planes[:, 0] = np.arange(n)[:, None, None]
    planes[:, 1] = 100 + np.arange(n)[:, None, None]
    planes[:, 2] = 200
    planes[:, 0, 1, 2] = 77
    return planes.reshape(n, 3072)


def test_python2_pickle_as_published(cifar_pickle):
    data = cifar_pickle(images_with_known_pixels(4), {"labels": [3, 0, 9, 1]})
    images, labels = parse_python_batch(data, "data_batch_1", ("labels",), (10,), count=4)
    assert images.shape == (4, 3, 32, 32) and images.dtype == np.uint8
    assert images[2, 0, 0, 0] == 2 and images[2, 1, 5, 5] == 102 and images[2, 2, 31, 31] == 200
    assert images[3, 0, 1, 2] == 77
    assert labels["labels"].tolist() == [3, 0, 9, 1]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickles_written_by_python3_numpy(protocol):
    x = np.random.default_rng(0).integers(0, 256, (3, 3072), dtype=np.uint8)
    data = pickle.dumps(
        {"data": x, "fine_labels": [99, 0, 5], "coarse_labels": [19, 0, 1]}, protocol=protocol
    )
    images, labels = parse_python_batch(
        data, "train", ("fine_labels", "coarse_labels"), (100, 20), count=3
    )
    np.testing.assert_array_equal(images.reshape(3, -1), x)
    assert labels["coarse_labels"].tolist() == [19, 0, 1]


class Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_hostile_pickle_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps({b"data": Exploit(str(marker)), b"labels": []}, protocol=2)
    with pytest.raises(
        DatasetError, match=r"evil_batch: not a readable CIFAR python batch .*forbidden global"
    ):
        parse_python_batch(data, "evil_batch", ("labels",), (10,))
    assert not marker.exists()


def test_object_arrays_are_refused():
    data = pickle.dumps({"data": np.array([[1, "x"]], dtype=object), "labels": [0]}, protocol=2)
    with pytest.raises(DatasetError, match="only uint8 arrays are allowed"):
        parse_python_batch(data, "b", ("labels",), (10,))


def test_truncated_pickle_names_the_file(cifar_pickle):
    data = cifar_pickle(images_with_known_pixels(2), {"labels": [1, 2]})
    with pytest.raises(DatasetError, match="data_batch_3: not a readable CIFAR python batch"):
        parse_python_batch(data[: len(data) // 2], "data_batch_3", ("labels",), (10,))


def test_wrong_count_labels_and_keys(cifar_pickle):
    data = cifar_pickle(images_with_known_pixels(2), {"labels": [1, 2]})
    with pytest.raises(
        DatasetError, match=r"test_batch: 'data' has shape \(2, 3072\), expected \(10000, 3072\)"
    ):
        parse_python_batch(data, "test_batch", ("labels",), (10,), count=10000)
    bad = cifar_pickle(images_with_known_pixels(2), {"labels": [1, 12]})
    with pytest.raises(DatasetError, match=r"'labels' must be in 0..9"):
        parse_python_batch(bad, "b", ("labels",), (10,))
    short = cifar_pickle(images_with_known_pixels(2), {"labels": [1]})
    with pytest.raises(DatasetError, match="2 images but 1 'labels'"):
        parse_python_batch(short, "b", ("labels",), (10,))
    with pytest.raises(DatasetError, match=r"missing \['fine_labels'\]"):
        parse_python_batch(data, "b", ("fine_labels",), (100,))


def test_array_bytes_must_match_shape(cifar_pickle):
    data = cifar_pickle(images_with_known_pixels(2), {"labels": [1, 2]}, shape=(3, 3072))
    with pytest.raises(
        DatasetError, match=r"data_batch_4: 'data' has shape \(3, 3072\) but 6,144 bytes"
    ):
        parse_python_batch(data, "data_batch_4", ("labels",), (10,))


def binary_batch(images, labels):
    labels = np.asarray(labels, np.uint8).reshape(len(images), -1)
    return np.concatenate([labels, images], axis=1).tobytes()


def test_binary_cifar10():
    data = binary_batch(images_with_known_pixels(3), [4, 5, 6])
    images, labels = parse_binary_batch(data, "data_batch_1.bin", 1, (10,), count=3)
    assert images[1, 1, 0, 0] == 101 and images[0, 0, 1, 2] == 77
    assert labels[:, 0].tolist() == [4, 5, 6]


def test_binary_cifar100_two_label_bytes():
    data = binary_batch(images_with_known_pixels(2), [[19, 99], [0, 3]])  # coarse, fine
    _, labels = parse_binary_batch(data, "train.bin", 2, (20, 100))
    assert labels.tolist() == [[19, 99], [0, 3]]


def test_binary_errors_name_the_file():
    data = binary_batch(images_with_known_pixels(3), [4, 5, 6])
    with pytest.raises(
        DatasetError,
        match=r"data_batch_2.bin: 9,218 bytes is not a whole number of 3,073-byte records",
    ):
        parse_binary_batch(data[:-1], "data_batch_2.bin", 1, (10,))
    with pytest.raises(DatasetError, match=r"test_batch.bin: holds 3 images, expected 10,000"):
        parse_binary_batch(data, "test_batch.bin", 1, (10,), count=10000)
    bad = binary_batch(images_with_known_pixels(1), [10])
    with pytest.raises(DatasetError, match="label byte 0 must be < 10, found 10"):
        parse_binary_batch(bad, "x.bin", 1, (10,))
