"""The image loaders' NumPy resize agrees with `strided.ops.resize` (itself checked against PyTorch),
and each interpolation keeps what a resize must keep."""

import numpy as np
import pytest

from strided import ops
from strided.utils.image_resize import INTERPOLATIONS, interpolation_matrix, resize_image


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(5, 7), (17, 30), (9, 13)])
def test_matches_ops_resize(interpolation, size):
    image = np.random.default_rng(0).uniform(0, 255, (9, 13, 3)).astype("float32")
    expected = ops.resize(image, size, interpolation=interpolation).numpy()
    assert np.allclose(resize_image(image, size, interpolation), expected, atol=1e-3)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_rows_sum_to_one_and_constants_stay_constant(interpolation):
    for size, out in ((9, 4), (4, 9), (7, 7)):
        matrix = interpolation_matrix(size, out, interpolation)
        if matrix is None:
            continue
        assert matrix.shape == (out, size) and np.allclose(matrix.sum(axis=1), 1.0, atol=1e-5)
    flat = np.full((6, 8, 2), 42.0, dtype="float32")
    assert np.allclose(resize_image(flat, (4, 11), interpolation), 42.0, atol=1e-3)


def test_unknown_interpolation_is_named():
    with pytest.raises(ValueError, match="interpolation"):
        resize_image(np.zeros((2, 2, 1)), (3, 3), "cubic")
