"""Shape ops (reshape, transpose, flatten, squeeze, expand_dims, cast, concatenate, stack, split,
repeat, tile, pad, indexing) against PyTorch / NumPy and finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import Tensor, gradcheck

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)
seeds = st.integers(0, 2**16)


def randn(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- reshape family
@st.composite
def shape_and_newshape(draw):
    """A shape, and another with the same element count (dims shuffled, merged, one maybe -1)."""
    shape = draw(shapes)
    dims = draw(st.permutations(list(shape)))
    merged = [dims[0]]
    for d in dims[1:]:
        if draw(st.booleans()):
            merged[-1] *= d
        else:
            merged.append(d)
    if draw(st.booleans()):
        merged[draw(st.integers(0, len(merged) - 1))] = -1
    return shape, tuple(merged)


@settings(max_examples=25, deadline=None)
@given(case=shape_and_newshape(), seed=seeds)
def test_reshape_matches_torch(case, seed):
    shape, newshape = case
    compare_with_torch(
        lambda t: ops.reshape(t, newshape), lambda t: t.reshape(newshape), [randn(shape, seed)]
    )


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_transpose_moveaxis_swapaxes_match_torch(data, shape, seed):
    x = randn(shape, seed)
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    compare_with_torch(lambda t: ops.transpose(t, axes), lambda t: t.permute(axes), [x])
    compare_with_torch(
        lambda t: ops.transpose(t), lambda t: t.permute(tuple(reversed(range(len(shape))))), [x]
    )
    a, b = (
        data.draw(st.integers(-len(shape), len(shape) - 1)),
        data.draw(st.integers(-len(shape), len(shape) - 1)),
    )
    compare_with_torch(lambda t: ops.swapaxes(t, a, b), lambda t: torch.swapaxes(t, a, b), [x])
    source = data.draw(hnp.valid_tuple_axes(len(shape), min_size=1))
    destination = tuple(data.draw(st.permutations(range(len(shape)))))[: len(source)]
    compare_with_torch(
        lambda t: ops.moveaxis(t, source, destination),
        lambda t: torch.movedim(t, source, destination),
        [x],
    )


@settings(max_examples=25, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=5, min_side=1, max_side=4), seed=seeds)
def test_flatten_keeps_batch_axis(shape, seed):
    x = randn(shape, seed)
    compare_with_torch(
        lambda t: ops.flatten(t), lambda t: torch.flatten(t, 1) if t.ndim > 1 else t[:, None], [x]
    )
    if (
        len(shape) > 2
    ):  # channels_first: channel axis moved last before flattening, as Keras' Flatten
        compare_with_torch(
            lambda t: ops.flatten(t, data_format="channels_first"),
            lambda t: torch.flatten(torch.movedim(t, 1, -1), 1),
            [x],
        )


def test_flatten_lesson_shape():
    assert ops.flatten(Tensor(np.zeros((32, 7, 7, 64)))).shape == (32, 3136)


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3),
    seed=seeds,
)
def test_squeeze_and_expand_dims_match_torch(data, shape, seed):
    x = randn(shape, seed)
    compare_with_torch(lambda t: ops.squeeze(t), lambda t: t.squeeze(), [x])
    ones = tuple(a for a, n in enumerate(shape) if n == 1)
    if ones:
        axis = data.draw(st.sampled_from(ones))
        compare_with_torch(lambda t: ops.squeeze(t, axis), lambda t: t.squeeze(axis), [x])
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    compare_with_torch(lambda t: ops.expand_dims(t, axis), lambda t: t.unsqueeze(axis), [x])


def test_expand_dims_tuple_and_tensor_methods():
    x = Tensor(np.zeros((2, 3)))
    assert ops.expand_dims(x, (0, -1)).shape == (1, 2, 3, 1)
    assert (
        x.reshape(3, 2).shape == (3, 2)
        and x.reshape((-1,)).shape == (6,)
        and x.reshape(-1).shape == (6,)
    )
    assert x.T.shape == (3, 2) and x.transpose().shape == (3, 2)
    assert x.transpose(1, 0).shape == (3, 2) and x.transpose((1, 0)).shape == (3, 2)


def test_reshape_family_gradcheck(rng):
    x = rng.standard_normal((2, 3, 2))
    assert gradcheck(lambda t: ops.reshape(t, (3, -1)) * np.arange(4.0), [x])
    assert gradcheck(lambda t: ops.transpose(t, (2, 0, 1)) * np.arange(3.0), [x])
    assert gradcheck(lambda t: ops.flatten(t, data_format="channels_first"), [x])
    assert gradcheck(lambda t: ops.expand_dims(ops.squeeze(ops.reshape(t, (1, 12))), 1), [x])


# ------------------------------------------------------------------------- cast
def test_cast():
    x = Tensor(np.array([1.7, -0.2, 2.5]), dtype=np.float64, requires_grad=True)
    y = ops.cast(x, "float32")
    assert y.dtype == np.float32 and y.requires_grad
    (y * 2.0).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    labels = ops.cast(x, "int32")
    assert labels.dtype == np.int32 and not labels.requires_grad
    np.testing.assert_array_equal(labels.data, [1, 0, 2])
    assert ops.cast(np.array([1.0, 2.0]), "float64").dtype == np.float64
    assert ops.cast(Tensor(np.array([1, 2])), "float32").dtype == np.float32


# -------------------------------------------------------------- join and split
@st.composite
def pieces_along_axis(draw):
    shape = list(draw(shapes))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    seed = draw(seeds)
    arrays = []
    for i, size in enumerate(sizes):
        shape[axis] = size
        arrays.append(randn(tuple(shape), seed + i))
    return arrays, axis


@settings(max_examples=25, deadline=None)
@given(case=pieces_along_axis())
def test_concatenate_matches_torch(case):
    arrays, axis = case
    compare_with_torch(
        lambda *ts: ops.concatenate(list(ts), axis=axis),
        lambda *ts: torch.cat(ts, dim=axis),
        arrays,
    )


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, count=st.integers(1, 4), seed=seeds)
def test_stack_matches_torch(data, shape, count, seed):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = [randn(shape, seed + i) for i in range(count)]
    compare_with_torch(
        lambda *ts: ops.stack(ts, axis=axis), lambda *ts: torch.stack(ts, dim=axis), arrays
    )


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_split_matches_torch(data, shape, seed):
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    points = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = np.diff([0, *points, n]).tolist()

    def weighted(parts):  # a different weight per piece so a mixed-up gradient would show
        return [p * float(i + 1) for i, p in enumerate(parts)]

    compare_with_torch(
        lambda t: ops.concatenate(weighted(ops.split(t, points, axis=axis)), axis=axis),
        lambda t: torch.cat(weighted(torch.split(t, sizes, dim=axis)), dim=axis),
        [randn(shape, seed)],
    )
    parts = ops.split(Tensor(randn(shape, seed)), 1, axis=axis)
    assert len(parts) == 1 and parts[0].shape == shape


def test_split_equal_sections():
    parts = ops.split(Tensor(np.arange(12.0).reshape(2, 6)), 3, axis=1)
    assert [p.shape for p in parts] == [(2, 2)] * 3
    np.testing.assert_array_equal(parts[2].data, [[4.0, 5.0], [10.0, 11.0]])


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_repeat_matches_torch(data, shape, seed):
    x = randn(shape, seed)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    if axis is not None and data.draw(st.booleans()):
        counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
        compare_with_torch(
            lambda t: ops.repeat(t, counts, axis=axis),
            lambda t: torch.repeat_interleave(t, torch.tensor(counts), dim=axis),
            [x],
        )
    else:
        r = data.draw(st.integers(0, 3))
        compare_with_torch(
            lambda t: ops.repeat(t, r, axis=axis),
            lambda t: torch.repeat_interleave(t, r, dim=axis),
            [x],
        )


@settings(max_examples=25, deadline=None)
@given(shape=shapes, reps=st.lists(st.integers(0, 3), min_size=1, max_size=5), seed=seeds)
def test_tile_matches_torch(shape, reps, seed):
    compare_with_torch(
        lambda t: ops.tile(t, reps), lambda t: torch.tile(t, tuple(reps)), [randn(shape, seed)]
    )


def test_join_gradcheck(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    assert gradcheck(lambda s, t: ops.concatenate([s, t, s], axis=1), [a, b])
    assert gradcheck(lambda s: ops.stack([s, s * 2.0], axis=1), [a])
    assert gradcheck(lambda s: ops.repeat(s, [2, 0, 1], axis=1), [a])
    assert gradcheck(lambda s: ops.tile(s, (2, 1, 2)), [a])


def test_concatenate_promotes_constants_to_the_tensor_dtype():
    x = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    y = ops.concatenate([x, np.zeros((2, 1))], axis=1)
    assert y.dtype == np.float32


# ------------------------------------------------------------------------- pad
@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4),
    seed=seeds,
)
def test_constant_pad_matches_torch(data, shape, seed):
    widths = [tuple(data.draw(st.tuples(st.integers(0, 3), st.integers(0, 3)))) for _ in shape]
    value = data.draw(st.sampled_from([0.0, 1.5]))
    flat = [w for pair in reversed(widths) for w in pair]  # torch: last axis first
    compare_with_torch(
        lambda t: ops.pad(t, widths, constant_values=value),
        lambda t: F.pad(t, flat, value=value),
        [randn(shape, seed)],
    )


@pytest.mark.parametrize(
    "mode,torch_mode", [("reflect", "reflect"), ("edge", "replicate"), ("wrap", "circular")]
)
@settings(max_examples=15, deadline=None)
@given(
    h=st.integers(3, 6), w=st.integers(3, 6), pads=st.tuples(*[st.integers(0, 2)] * 4), seed=seeds
)
def test_mirror_pad_matches_torch(mode, torch_mode, h, w, pads, seed):
    top, bottom, left, right = pads
    compare_with_torch(
        lambda t: ops.pad(t, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=mode),
        lambda t: F.pad(t, (left, right, top, bottom), mode=torch_mode),
        [randn((2, 3, h, w), seed)],
    )


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_pad_matches_numpy_and_gradcheck(mode, rng):
    x = rng.standard_normal((3, 4))
    widths = ((2, 1), (0, 3))
    np.testing.assert_allclose(
        ops.pad(Tensor(x, dtype=np.float64), widths, mode=mode).data, np.pad(x, widths, mode=mode)
    )
    assert gradcheck(lambda t: ops.pad(t, widths, mode=mode), [x])
    assert gradcheck(lambda t: ops.pad(t, 1, mode=mode), [x])


def test_pad_broadcasts_pad_width():
    x = Tensor(np.ones((1, 28, 28, 1)))
    assert ops.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))).shape == (1, 32, 32, 1)
    assert ops.pad(x, 1).shape == (3, 30, 30, 3)
    assert ops.pad(x, (1, 2)).shape == (4, 31, 31, 4)


# -------------------------------------------------------------------- indexing
@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_basic_indexing_matches_numpy(data, shape, seed):
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    x = randn(shape, seed)
    t = Tensor(x, dtype=np.float64, requires_grad=True)
    y = t[key]
    np.testing.assert_array_equal(y.data, x[key])
    upstream = randn(np.shape(x[key]), seed + 1)
    y.backward(upstream)
    expected = np.zeros_like(x)
    expected[key] = upstream
    np.testing.assert_array_equal(t.grad, expected)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_integer_array_indexing_matches_torch(data, shape, seed):
    key = data.draw(
        hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)
        )
    )
    compare_with_torch(
        lambda t: t[key],
        lambda t: t[tuple(torch.tensor(k) for k in key)],
        [randn(shape, seed)],
    )


def test_repeated_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_mixed_and_boolean_indexing(rng):
    x = rng.standard_normal((4, 3, 5))
    mask = x[:, 0, 0] > 0
    compare_with_torch(lambda t: t[1:, [2, 0, 2], ::2], lambda t: t[1:, [2, 0, 2], ::2], [x])
    compare_with_torch(lambda t: t[mask], lambda t: t[torch.tensor(mask)], [x])
    compare_with_torch(lambda t: t[..., Tensor(np.array([4, 4]))], lambda t: t[..., [4, 4]], [x])
    assert gradcheck(lambda t: t[[0, 0, 1], 1:], [x[:2, :2, :2]])


def test_tensor_iteration_stops():
    rows = list(Tensor(np.arange(6.0).reshape(3, 2)))
    assert len(rows) == 3 and rows[2].shape == (2,)


# ------------------------------------------------------------------ bad inputs
def test_bad_arguments():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"reshape: cannot reshape an input of shape \(2, 3\) \(6 elements\) into shape \(4,",
    ):
        ops.reshape(x, (4,))
    with pytest.raises(ValueError, match=r"reshape: .*into shape \(4, -1\)"):
        ops.reshape(x, (4, -1))
    with pytest.raises(ValueError, match=r"reshape: .*at most one -1"):
        ops.reshape(x, (-1, -1))
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 0\) is not a permutation"):
        ops.transpose(x, (0, 0))
    with pytest.raises(ValueError, match=r"transpose: axes \(0,\) must name each of the 2 axes"):
        ops.transpose(x, (0,))
    with pytest.raises(ValueError, match=r"squeeze: cannot squeeze axis 1 of size 3"):
        ops.squeeze(x, 1)
    with pytest.raises(ValueError, match=r"flatten: expected an input with a batch axis"):
        ops.flatten(Tensor(1.0))
    with pytest.raises(
        ValueError,
        match=r"concatenate: input 1 has shape \(3, 3\), but input 0 has shape \(2, 3\).*axis 1",
    ):
        ops.concatenate([x, Tensor(np.zeros((3, 3)))], axis=1)
    with pytest.raises(ValueError, match=r"concatenate: expected a non-empty list"):
        ops.concatenate([])
    with pytest.raises(ValueError, match=r"stack: input 1 has shape \(3, 2\)"):
        ops.stack([x, Tensor(np.zeros((3, 2)))])
    with pytest.raises(
        ValueError, match=r"split: axis 1 of size 3 cannot be split into 2 equal sections"
    ):
        ops.split(x, 2, axis=1)
    with pytest.raises(ValueError, match=r"repeat: got 2 repeat counts for axis 1 of size 3"):
        ops.repeat(x, [1, 2], axis=1)
    with pytest.raises(ValueError, match=r"tile: repeats must be non-negative integers"):
        ops.tile(x, (2, -1))
    with pytest.raises(ValueError, match=r"pad: pad_width must be ints of shape \(2, 2\)"):
        ops.pad(x, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r"pad: pad_width must not be negative"):
        ops.pad(x, -1)
    with pytest.raises(ValueError, match=r"pad: mode must be one of"):
        ops.pad(x, 1, mode="mirror")
    with pytest.raises(
        ValueError, match=r"pad: constant_values can only be used with mode='constant'"
    ):
        ops.pad(x, 1, mode="reflect", constant_values=1.0)
    with pytest.raises(IndexError, match=r"get_item: .*out of bounds.*input shape \(2, 3\)"):
        x[5]
    with pytest.raises(TypeError, match=r"cast: unknown dtype"):
        ops.cast(x, "floaty")
