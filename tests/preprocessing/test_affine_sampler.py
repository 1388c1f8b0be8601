"""The vectorised affine sampler: exact geometry, fill modes, and agreement with a per-pixel loop."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strided.preprocessing.affine import affine_matrices, affine_sample


def one_pixel(h=7, w=9, at=(1, 2), channels=2):
    x = np.zeros((1, h, w, channels), np.float32)
    x[0, at[0], at[1]] = [5.0, 7.0][:channels]
    return x


def where(x):
    return [tuple(int(i) for i in p) for p in np.argwhere(x[0, :, :, 0] != 0)]


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_by_90_moves_a_known_pixel(interpolation):
    # square image: 90 degrees (Keras/scipy convention) sends input (r, c) to output (c, H-1-r)
    x = one_pixel(5, 5, at=(1, 3))
    out = affine_sample(x, affine_matrices(5, 5, theta=90.0), interpolation=interpolation)
    assert where(out) == [(3, 3)]
    np.testing.assert_array_equal(out[0, 3, 3], [5.0, 7.0])
    back = affine_sample(out, affine_matrices(5, 5, theta=-90.0), interpolation=interpolation)
    np.testing.assert_array_equal(back, x)


def test_four_quarter_turns_and_180():
    x = np.random.default_rng(0).random((2, 6, 6, 3))
    np.testing.assert_allclose(
        affine_sample(x, affine_matrices(6, 6, theta=90.0)),
        np.rot90(x, -1, axes=(1, 2)),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        affine_sample(x, affine_matrices(6, 6, theta=180.0)), x[:, ::-1, ::-1], atol=1e-12
    )


def test_flips_are_their_own_inverse():
    x = np.random.default_rng(1).random((3, 5, 8, 2))
    for flips in ({"flip_horizontal": True}, {"flip_vertical": True}):
        m = affine_matrices(5, 8, **flips)
        once = affine_sample(x, m)
        np.testing.assert_array_equal(
            once, x[:, :, ::-1] if "flip_horizontal" in flips else x[:, ::-1]
        )
        np.testing.assert_array_equal(affine_sample(once, m), x)


def test_identity_is_exact():
    x = np.random.default_rng(2).random((4, 5, 6, 3)).astype(np.float32)
    for interpolation in ("nearest", "bilinear"):
        out = affine_sample(x, affine_matrices(5, 6), interpolation=interpolation)
        np.testing.assert_array_equal(out, x)
        assert out.dtype == np.float32


@pytest.mark.parametrize("k", [1, 2, 3])
def test_shift_by_k_pixels_moves_a_pixel_by_k(k):
    x = one_pixel(7, 9, at=(3, 4))
    # tx > 0 reads k rows further down: content moves up by k; ty moves it left by k
    assert where(affine_sample(x, affine_matrices(7, 9, tx=float(k)), fill_mode="constant")) == [
        (3 - k, 4)
    ]
    assert where(affine_sample(x, affine_matrices(7, 9, ty=float(k)), fill_mode="constant")) == [
        (3, 4 - k)
    ]
    assert where(affine_sample(x, affine_matrices(7, 9, tx=-float(k)), fill_mode="constant")) == [
        (3 + k, 4)
    ]


def test_each_image_gets_its_own_matrix():
    x = np.concatenate([one_pixel(5, 5, at=(0, 0))] * 3)
    m = affine_matrices(5, 5, theta=[0.0, 90.0, 180.0])
    out = affine_sample(x, m)
    assert [tuple(map(int, np.argwhere(o[:, :, 0])[0])) for o in out] == [(0, 0), (0, 4), (4, 4)]


def test_fill_modes_over_a_long_range():
    """Compare with the documented patterns over columns -6..9 of a 4-wide image (abcd)."""
    x = np.arange(4.0).reshape(1, 1, 4, 1)
    wide_out = {}
    for mode in ("constant", "nearest", "reflect", "wrap"):
        values = []
        for c in range(-6, 10):
            m = np.array([[1, 0, 0], [0, 1, c], [0, 0, 1]], float)
            values.append(affine_sample(x, m, fill_mode=mode, cval=9.0)[0, 0, 0, 0])
        wide_out[mode] = values
    assert wide_out["constant"] == [9] * 6 + [0, 1, 2, 3] + [9] * 6
    assert wide_out["nearest"] == [0] * 6 + [0, 1, 2, 3] + [3] * 6
    assert wide_out["reflect"] == [
        2,
        3,
        3,
        2,
        1,
        0,
        0,
        1,
        2,
        3,
        3,
        2,
        1,
        0,
        0,
        1,
    ]  # cddcba|abcd|dcbaab
    assert wide_out["wrap"] == [2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1]


def loop_reference(image, matrix, cval):
    """Per-pixel bilinear sampling with constant fill, written the slow obvious way."""
    h, w, c = image.shape
    out = np.empty_like(image)
    for r in range(h):
        for col in range(w):
            sr, sc, _ = matrix @ [r, col, 1]
            if sr < -1e-6 or sr > h - 1 + 1e-6 or sc < -1e-6 or sc > w - 1 + 1e-6:
                out[r, col] = cval
                continue
            r0, c0 = int(np.floor(sr)), int(np.floor(sc))
            fr, fc = sr - r0, sc - c0
            value = np.zeros(c)
            for dr, dc, weight in (
                (0, 0, (1 - fr) * (1 - fc)),
                (0, 1, (1 - fr) * fc),
                (1, 0, fr * (1 - fc)),
                (1, 1, fr * fc),
            ):
                rr, cc = min(max(r0 + dr, 0), h - 1), min(max(c0 + dc, 0), w - 1)
                value += weight * image[rr, cc]
            out[r, col] = value
    return out


@settings(max_examples=25, deadline=None)
@given(
    theta=st.floats(-180, 180),
    tx=st.floats(-3, 3),
    ty=st.floats(-3, 3),
    shear=st.floats(-30, 30),
    zx=st.floats(0.6, 1.5),
    zy=st.floats(0.6, 1.5),
    seed=st.integers(0, 1000),
)
def test_bilinear_matches_a_per_pixel_loop(theta, tx, ty, shear, zx, zy, seed):
    image = np.random.default_rng(seed).random((6, 7, 2))
    m = affine_matrices(6, 7, theta, tx, ty, shear, zx, zy)
    out = affine_sample(image[None], m, fill_mode="constant", cval=-1.0)[0]
    np.testing.assert_allclose(out, loop_reference(image, m[0], -1.0), atol=1e-9)


def test_bad_arguments():
    x = np.zeros((1, 4, 4, 1))
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        affine_sample(x, np.eye(3), fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        affine_sample(x, np.eye(3), interpolation="cubic")
    with pytest.raises(
        ValueError, match=r"expected images of shape \(N, H, W, C\), received shape \(4, 4\)"
    ):
        affine_sample(np.zeros((4, 4)), np.eye(3))
    with pytest.raises(
        ValueError, match=r"expected matrices of shape \(1, 3, 3\), received \(2, 3, 3\)"
    ):
        affine_sample(x, np.stack([np.eye(3)] * 2))


def test_nearest_keeps_uint8():
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1)
    out = affine_sample(x, affine_matrices(4, 4, theta=90.0), interpolation="nearest")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.rot90(x, -1, axes=(1, 2)))
