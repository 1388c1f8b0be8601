"""DataLoader: batch sizes, seeded shuffling, drop_last, augmentation, multiple inputs, errors."""

import numpy as np
import pytest

from strided.data import DataLoader
from strided.preprocessing.image import ImageDataGenerator


def test_batches_cover_the_data_in_order():
    x, y = np.arange(10)[:, None] * 1.0, np.arange(10)
    loader = DataLoader(x, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches])[:, 0], x[:, 0])


def test_drop_last():
    loader = DataLoader(np.zeros((10, 2)), np.arange(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(xb) for xb, _ in loader] == [4, 4]


def test_shuffle_is_seeded_and_changes_every_epoch():
    y = np.arange(50)
    a = DataLoader(y, y, batch_size=50, shuffle=True, seed=1)
    b = DataLoader(y, y, batch_size=50, shuffle=True, seed=1)
    epoch1_a, epoch2_a = next(iter(a))[1], next(iter(a))[1]
    epoch1_b, epoch2_b = next(iter(b))[1], next(iter(b))[1]
    np.testing.assert_array_equal(epoch1_a, epoch1_b)
    np.testing.assert_array_equal(epoch2_a, epoch2_b)
    assert not np.array_equal(epoch1_a, epoch2_a) and not np.array_equal(epoch1_a, y)
    assert sorted(epoch1_a) == list(range(50))
    for xb, yb in DataLoader(y * 10, y, batch_size=7, shuffle=True, seed=0):  # pairs stay together
        np.testing.assert_array_equal(xb, yb * 10)


def test_without_labels_and_with_sample_weight():
    x = np.arange(6)
    assert [b.tolist() for b in DataLoader(x, batch_size=4)] == [[0, 1, 2, 3], [4, 5]]
    _xb, _yb, wb = next(iter(DataLoader(x, x, batch_size=3, sample_weight=x / 10)))
    assert wb.tolist() == [0.0, 0.1, 0.2]


def test_multiple_inputs():
    a, b, y = np.arange(5), np.arange(5) * 2, np.arange(5)
    (xa, xb), yb = next(iter(DataLoader((a, b), y, batch_size=5, shuffle=True, seed=3)))
    np.testing.assert_array_equal(xb, xa * 2)
    np.testing.assert_array_equal(yb, xa)


def test_with_a_callable_augmentation():
    loader = DataLoader(np.ones((4, 2)), np.arange(4), batch_size=2, augment=lambda xb: xb * 3)
    assert all((xb == 3).all() for xb, _ in loader)


def test_with_an_image_data_generator():
    x = np.random.default_rng(0).integers(0, 255, (6, 5, 5, 1)).astype(np.uint8)
    gen = ImageDataGenerator(horizontal_flip=True, rescale=1 / 255)
    batches = list(DataLoader(x, np.arange(6), batch_size=6, augment=gen, seed=4))
    xb, yb = batches[0]
    assert xb.dtype == np.float32 and xb.max() <= 1.0
    for out, i in zip(xb, yb):
        ref = x[i].astype(np.float32) / 255
        assert np.allclose(out, ref) or np.allclose(out, ref[:, ::-1])
    again = next(iter(DataLoader(x, np.arange(6), batch_size=6, augment=gen, seed=4)))[0]
    np.testing.assert_array_equal(xb, again)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"batch_size": 0},
            ValueError,
            "batch_size must be a positive int. Received: batch_size=0",
        ),
        ({"batch_size": 2.5}, ValueError, "batch_size must be a positive int"),
        ({"augment": 3}, TypeError, "augment must be callable"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(np.zeros((4, 2)), np.zeros(4), **kwargs)


def test_length_mismatch_is_reported():
    with pytest.raises(ValueError, match=r"same number of samples; received \{'x': 4, 'y': 3\}"):
        DataLoader(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="augment works with a single input"):
        DataLoader((np.zeros(4), np.zeros(4)), augment=lambda b: b)


def test_repr():
    assert "batches=2" in repr(DataLoader(np.zeros(5), batch_size=4))
