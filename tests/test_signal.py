"""strided.signal against numpy.convolve/correlate, a naive double loop, and the lessons' examples."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strided import signal

MODES = ["full", "same", "valid"]


def vectors(dtype):
    if dtype == "int":
        return st.lists(st.integers(-9, 9), min_size=1, max_size=12).map(np.array)
    values = st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=12).map(np.array)
    if dtype == "complex":
        return values.map(lambda a: a + 1j * a[::-1])
    return values


@settings(max_examples=50, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(["int", "float", "complex"]), mode=st.sampled_from(MODES))
def test_1d_matches_numpy(data, dtype, mode):
    a, v = data.draw(vectors(dtype)), data.draw(vectors(dtype))
    for ours, reference in [(signal.convolve, np.convolve), (signal.correlate, np.correlate)]:
        result, expected = ours(a, v, mode), reference(a, v, mode)
        assert result.shape == expected.shape and result.dtype == expected.dtype
        np.testing.assert_allclose(result, expected, atol=1e-9)
    assert signal.convolve(a, v).shape == np.convolve(a, v).shape  # default mode "full"
    assert signal.correlate(a, v).shape == np.correlate(a, v).shape  # default mode "valid"


def extend(image, i, j, boundary, fillvalue):
    """in1[i, j] with in1 extended beyond its edges as scipy's boundary says."""
    h, w = image.shape
    if boundary == "fill":
        return image[i, j] if 0 <= i < h and 0 <= j < w else fillvalue
    if boundary == "wrap":
        return image[i % h, j % w]

    def mirror(k, n):  # symm: ... c b a | a b c | c b a ...
        k %= 2 * n
        return k if k < n else 2 * n - 1 - k
    return image[mirror(i, h), mirror(j, w)]


def naive_2d(in1, in2, mode, boundary, fillvalue, flip):
    """The definition with a double loop over output pixels: flip=True convolves, False correlates."""
    (h, w), (kh, kw) = in1.shape, in2.shape
    kernel = in2[::-1, ::-1] if flip else np.conj(in2)
    full = np.zeros((h + kh - 1, w + kw - 1), dtype=np.result_type(in1, in2))
    for m in range(full.shape[0]):
        for n in range(full.shape[1]):
            for a in range(kh):
                for b in range(kw):
                    full[m, n] += extend(in1, m + a - (kh - 1), n + b - (kw - 1), boundary, fillvalue) * kernel[a, b]
    if mode == "full":
        return full
    if mode == "valid":
        return full[kh - 1 : h, kw - 1 : w]
    top, left = ((kh - 1) // 2, (kw - 1) // 2) if flip else (kh // 2, kw // 2)  # scipy's centring
    return full[top : top + h, left : left + w]


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4),
       mode=st.sampled_from(MODES), boundary=st.sampled_from(["fill", "wrap", "symm"]),
       fillvalue=st.sampled_from([0, 2]), seed=st.integers(0, 2**16))
def test_2d_matches_naive_loop(h, w, kh, kw, mode, boundary, fillvalue, seed):
    rng = np.random.default_rng(seed)
    in1, in2 = rng.integers(-5, 6, (h, w)), rng.integers(-5, 6, (kh, kw))
    if mode == "valid" and not (h >= kh and w >= kw):
        if h <= kh and w <= kw:  # scipy swaps the inputs so the larger one slides
            np.testing.assert_array_equal(signal.convolve2d(in1, in2, "valid"), naive_2d(in2, in1, "valid", "fill", 0, True))
            np.testing.assert_array_equal(signal.correlate2d(in1, in2, "valid"),
                                          naive_2d(in2, in1, "valid", "fill", 0, False)[::-1, ::-1])
        else:
            with pytest.raises(ValueError, match="at least as large"):
                signal.convolve2d(in1, in2, "valid")
        return
    for flip, fn in [(True, signal.convolve2d), (False, signal.correlate2d)]:
        result = fn(in1, in2, mode, boundary, fillvalue)
        np.testing.assert_array_equal(result, naive_2d(in1, in2, mode, boundary, fillvalue, flip))


@settings(max_examples=30, deadline=None)
@given(s1=st.tuples(st.integers(1, 6), st.integers(1, 6)), s2=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       mode=st.sampled_from(MODES), boundary=st.sampled_from(["fill", "wrap", "symm"]), seed=st.integers(0, 2**16))
def test_2d_matches_scipy_when_installed(s1, s2, mode, boundary, seed):
    scipy_signal = pytest.importorskip("scipy.signal")  # an extra check only: scipy is no dependency
    rng = np.random.default_rng(seed)
    in1 = rng.standard_normal(s1) + 1j * rng.standard_normal(s1)
    in2 = rng.standard_normal(s2)
    for ours, theirs in [(signal.convolve2d, scipy_signal.convolve2d), (signal.correlate2d, scipy_signal.correlate2d)]:
        try:
            expected = theirs(in1, in2, mode, boundary, 1.5)
        except ValueError:
            with pytest.raises(ValueError):
                ours(in1, in2, mode, boundary, 1.5)
            continue
        np.testing.assert_allclose(ours(in1, in2, mode, boundary, 1.5), expected, atol=1e-10)


def test_convolution_is_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal(9), rng.standard_normal(4)
    np.testing.assert_allclose(signal.convolve(a, v, "valid"), signal.correlate(a, v[::-1], "valid"))
    image, kernel = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(signal.convolve2d(image, kernel, "valid"), signal.correlate2d(image, kernel[::-1, ::-1], "valid"))


def test_lesson_000_sum_of_two_dice():
    np.testing.assert_array_equal(signal.convolve([1, 2, 3], [4, 5], mode="full"), [4, 13, 22, 15])
    die = np.array([1 / 6] * 6)
    two_dice = signal.convolve(die, die, mode="full")
    assert two_dice.shape == (11,)  # sums 2..12: length m + n - 1
    for total in range(2, 13):
        ways = 6 - abs(total - 7)
        assert two_dice[total - 2] == pytest.approx(ways / 36)
    assert two_dice[7 - 2] == pytest.approx(6 / 36)
    assert two_dice.sum() == pytest.approx(1.0)
    biased = signal.convolve(die, [0.3, 0.7], mode="full")
    np.testing.assert_allclose(biased, [0.05, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 0.11666667], atol=1e-8)
    assert biased.sum() == pytest.approx(0.9999999999999999)


def test_lesson_000_2d_examples():
    image = np.array([[1, 2, 1], [0, 1, 0], [2, 1, 3]])
    kernel = signal.DIAGONAL_CONTRAST
    np.testing.assert_array_equal(signal.convolve2d(image, kernel, mode="valid"), [[0, 1], [0, 4]])
    np.testing.assert_array_equal(signal.correlate2d(image, kernel, mode="valid"), [[2, 1], [-1, 3]])
    image = np.array([[1, 2, 3, 0, 1], [0, 1, 2, 3, 4], [1, 0, 1, 2, 3], [0, 1, 0, 1, 2], [3, 2, 1, 0, 1]])
    np.testing.assert_array_equal(signal.convolve2d(image, kernel, mode="valid"),
                                  [[0, 1, 6, 3], [-1, 0, 1, 2], [2, -1, 0, 1], [1, 2, -1, 0]])
    np.testing.assert_array_equal(signal.correlate2d(image, kernel, mode="valid"),
                                  [[2, 3, 4, 1], [-1, 2, 3, 4], [2, -1, 2, 3], [-1, 0, -1, 2]])


def test_lesson_000_diagonal_detectors():
    image = np.eye(5, dtype=int)
    np.testing.assert_array_equal(signal.correlate2d(image, signal.DIAGONAL, mode="valid"), 2 * np.eye(4))
    np.testing.assert_array_equal(signal.correlate2d(image, signal.BLOCK, mode="valid"),
                                  [[2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]])
    np.testing.assert_array_equal(signal.correlate2d(image, np.zeros((2, 2), int), mode="valid"), np.zeros((4, 4)))
    anti = signal.correlate2d(image, signal.ANTI_DIAGONAL, mode="valid")
    np.testing.assert_array_equal(anti, np.eye(4, k=1) + np.eye(4, k=-1))  # touches the diagonal, never on it


def test_lesson_001_manual_convolution_is_valid_correlation():
    image = np.array([[1, 2, 3, 0, 1], [0, 1, 2, 3, 0], [1, 0, 1, 2, 3], [2, 1, 0, 1, 2], [3, 2, 1, 0, 1]])
    kernel = signal.HORIZONTAL_EDGE
    expected = np.zeros((3, 3))
    for i in range(3):  # the lesson's loop
        for j in range(3):
            expected[i, j] = np.sum(image[i : i + 3, j : j + 3] * kernel)
    np.testing.assert_array_equal(signal.correlate2d(image, kernel, mode="valid"), expected)
    np.testing.assert_array_equal(signal.VERTICAL_EDGE, signal.HORIZONTAL_EDGE.T)


def test_lesson_003_kernels_on_the_bump():
    data = np.concatenate([np.zeros(20), np.ones(20), np.zeros(20)])
    ones = signal.convolve(data, np.ones(5), mode="valid")
    assert ones.shape == (56,)
    np.testing.assert_array_equal(ones[14:22], [0, 0, 1, 2, 3, 4, 5, 5])  # a ramp up to the kernel's sum
    np.testing.assert_array_equal(ones[34:42], [5, 5, 4, 3, 2, 1, 0, 0])
    lesson_gaussian = np.exp(-(np.arange(5) - 2) ** 2 / (2 * 2**2))
    lesson_gaussian /= lesson_gaussian.sum()
    gaussian = signal.gaussian_kernel1d(5, 2)
    np.testing.assert_allclose(gaussian, lesson_gaussian, rtol=1e-15)
    blurred = signal.convolve(data, gaussian, mode="valid")
    np.testing.assert_allclose(blurred[20:35], 1.0)  # a normalised kernel keeps flat regions
    assert 0 < blurred[17] < blurred[18] < blurred[19] < 1  # and softens the step
    edges = signal.convolve(data, signal.CANNY_EDGE_1D, mode="valid")
    np.testing.assert_array_equal(edges[15:21], [0, -1, -2, -2, -1, 0])  # convolution flips: step up < 0
    np.testing.assert_array_equal(edges[35:41], [0, 1, 2, 2, 1, 0])
    np.testing.assert_array_equal(signal.correlate(data, signal.CANNY_EDGE_1D, mode="valid"), -edges)


def test_gaussian_kernel2d_is_the_lessons_generate_2d_gaussian_kernel():
    for height, width, sigma in [(5, 5, 1.0), (3, 5, 0.7), (4, 4, 2.0)]:
        def gaussian(x, y, height=height, width=width, sigma=sigma):  # the lesson's lambda
            return np.exp(-((x - (height - 1) / 2) ** 2 + (y - (width - 1) / 2) ** 2) / (2 * sigma**2))

        lesson = np.fromfunction(gaussian, (height, width))
        lesson /= np.sum(lesson)
        np.testing.assert_allclose(signal.gaussian_kernel2d((height, width), sigma), lesson, rtol=1e-12)
    assert signal.gaussian_kernel2d(5, 1.0).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sigma > 0"):
        signal.gaussian_kernel1d(5, 0)


def test_named_kernels_are_read_only():
    with pytest.raises(ValueError):
        signal.BLOCK[0, 0] = 5


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: signal.convolve(np.ones((2, 2)), [1, 2]), r"convolve: expects two 1-D arrays, .*\(2, 2\)"),
        (lambda: signal.correlate([], [1, 2]), r"correlate: a cannot be empty"),
        (lambda: signal.convolve([1, 2], [1], mode="middle"), r"convolve: mode must be one of"),
        (lambda: signal.convolve2d([1, 2], [[1]]), r"convolve2d: expects two 2-D arrays"),
        (lambda: signal.correlate2d(np.ones((2, 2)), [[1]], boundary="reflect"), r"correlate2d: boundary must be"),
        (lambda: signal.convolve2d(np.ones((2, 5)), np.ones((3, 3)), mode="valid"), r"at least as large .*\(2, 5\)"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
