"""The `keras.ops` functions strided adds (creation, maths, comparisons, array functions) give
Keras 3's values, shapes and dtypes on the same inputs; the differentiable ones pass gradcheck."""

import numpy as np
import pytest

import strided
from strided import ops

keras = pytest.importorskip("keras")

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4)).astype("float32")
Y = rng.normal(size=(4, 5)).astype("float32")
POS = np.abs(X) + 0.5
IDX = np.array([0, 2, 1, 5])

CASES = [
    *[(name, (X,), {}) for name in ("sin", "cos", "tan", "arctan", "sinh", "cosh", "expm1", "arcsinh")],
    *[(name, (POS,), {}) for name in ("log2", "log10", "log1p", "reciprocal", "rsqrt", "cbrt")],
    ("arange", (5,), {}), ("arange", (0, 3, 0.5), {}), ("ones", ((2, 3),), {}), ("zeros", ((2,),), {}),
    ("eye", (3,), {}), ("eye", (3, 4, 1), {}), ("full", ((2, 2), 3.0), {}), ("full", ((2,), 7), {}),
    ("one_hot", (IDX, 3), {}), ("multi_hot", (np.array([[0, 2], [1, 1]]), 3), {}),
    ("flip", (X, 1), {}), ("roll", (X, 2), {}), ("roll", (X, 1, 0), {}), ("take", (X, [0, 2], 1), {}),
    ("take_along_axis", (X, np.argsort(X, 1), 1), {}), ("einsum", ("ij,jk->ik", X, Y), {}),
    ("tensordot", (X, Y, 1), {}), ("dot", (X, Y), {}), ("outer", (X[0], Y[0]), {}), ("inner", (X, X), {}),
    ("norm", (X,), {}), ("norm", (X,), {"axis": 1}), ("norm", (X,), {"ord": 1, "axis": 1}),
    ("norm", (X,), {"ord": np.inf}), ("norm", (X,), {"ord": "fro"}), ("cumsum", (X, 1), {}), ("prod", (X, 0), {}),
    ("tril", (X,), {}), ("triu", (X, 1), {}), ("diagonal", (X,), {}), ("diag", (X[0],), {}), ("trace", (X,), {}),
    ("equal", (X, X), {}), ("greater", (X, 0.0), {}), ("floor", (X,), {}), ("ceil", (X,), {}), ("round", (X * 3,), {}),
    ("sort", (X,), {}), ("argsort", (X,), {}), ("clip", (X, -0.5, 0.5), {}), ("where", (X > 0, X, 0.0), {}),
    ("isnan", (X,), {}), ("ravel", (X,), {}), ("broadcast_to", (X[0], (2, 4)), {}),
    ("convert_to_tensor", ([1.0, 2.0],), {}), ("convert_to_tensor", ([1, 2],), {}), ("stop_gradient", (X,), {}),
    ("hstack", ([X, X],), {}), ("vstack", ([X[0], X[1]],), {}), ("amax", (X, 1), {}), ("ptp", (X, 0), {}),
    ("average", (X, 1, np.arange(4.0)), {}), ("moments", (X, [0]), {}), ("top_k", (X[0], 2), {}),
    ("linspace", (0, 1, 5), {}), ("all", (X > -5,), {}), ("any", (X > 5,), {"axis": 0}),
    ("count_nonzero", (X > 0,), {}), ("logaddexp", (X, X[0]), {}), ("arctan2", (X, POS), {}),
    ("divide_no_nan", (X, np.where(X > 0, X, 0)), {}), ("nan_to_num", (np.array([np.nan, 1, np.inf], "float32"),), {}),
    ("slice", (X, (1, 1), (2, 2)), {}), ("unstack", (X,), {}), ("median", (X,), {}), ("ones_like", (X,), {}),
    ("zeros_like", (X, "int32"), {}), ("normalize", (X,), {}), ("meshgrid", (np.arange(3), np.arange(2)), {}),
    ("logical_and", (X > 0, X < 1), {}), ("less_equal", (X, 0.1), {}), ("isfinite", (X,), {}),
    ("append", (X, X), {}), ("fliplr", (X,), {}), ("rot90", (X,), {}), ("identity", (3,), {}),
    ("tri", (3,), {}), ("full_like", (X, 2.0), {}), ("in_top_k", (np.array([1, 0, 3]), X, 2), {}),
    ("shape", (X,), {}),
]


def as_arrays(result, to_numpy):
    if isinstance(result, (tuple, list)):
        return [to_numpy(r) for r in result]
    return [to_numpy(result)]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_shapes_and_dtypes_equal_keras(name, args, kwargs):
    theirs = as_arrays(getattr(keras.ops, name)(*args, **kwargs), keras.ops.convert_to_numpy)
    ours = as_arrays(getattr(ops, name)(*args, **kwargs), ops.convert_to_numpy)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        assert np.allclose(a, b, atol=1e-5, equal_nan=True)


A = rng.normal(size=(3, 4))
B = rng.normal(size=(4, 2))
GRADIENTS = {
    "sin": (lambda x: ops.sin(x), [A]), "arctan": (lambda x: ops.arctan(x), [A]),
    "log1p": (lambda x: ops.log1p(x), [np.abs(A)]), "rsqrt": (lambda x: ops.rsqrt(x), [np.abs(A) + 0.5]),
    "cbrt": (lambda x: ops.cbrt(x), [np.abs(A) + 0.5]), "flip": (lambda x: ops.flip(x, 0), [A]),
    "roll": (lambda x: ops.roll(x, 1, 1), [A]), "take": (lambda x: ops.take(x, [0, 0, 2], 1), [A]),
    "tril": (lambda x: ops.tril(x), [A]), "diag": (lambda x: ops.diag(ops.ravel(x)), [A[:1]]),
    "cumsum": (lambda x: ops.cumsum(x, 0), [A]), "prod": (lambda x: ops.prod(x, 1), [A]),
    "prod-with-zero": (lambda x: ops.prod(x, 1), [np.where(A > 1, 0.0, A)]),
    "einsum": (lambda x, w: ops.einsum("ij,jk->ik", x, w), [A, B]),
    "einsum-sum": (lambda x, w: ops.einsum("ij,jk->i", x, w), [A, B]),
    "tensordot": (lambda x, w: ops.tensordot(x, w, axes=([1], [0])), [A, B]),
    "norm": (lambda x: ops.norm(x, axis=1), [A]), "norm-1": (lambda x: ops.norm(x, ord=1, axis=0), [A]),
    "sort": (lambda x: ops.sort(x), [A]), "arctan2": (lambda x, w: ops.arctan2(x, w), [A, np.abs(A) + 1]),
    "logaddexp": (lambda x, w: ops.logaddexp(x, w), [A, A[::-1]]),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (2, 3, 4)), [A]),
    "extract_patches": (lambda x: ops.image.extract_patches(x, 2, padding="same"), [rng.normal(size=(1, 5, 5, 2))]),
    "rgb_to_grayscale": (lambda x: ops.image.rgb_to_grayscale(x), [rng.normal(size=(1, 3, 3, 3))]),
    "resize-crop": (lambda x: ops.image.resize(x, (2, 3), crop_to_aspect_ratio=True), [rng.normal(size=(1, 5, 4, 2))]),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients(name):
    fn, inputs = GRADIENTS[name]
    assert strided.gradcheck(fn, inputs)


def test_ops_shape_is_both_the_keras_function_and_stradeds_module():
    from strided.ops import shape

    assert ops.shape(X) == (3, 4) and ops.shape(strided.Input((5, 2))) == (None, 5, 2)
    assert shape.reshape(X, (4, 3)).shape == (4, 3)


def test_stop_gradient_and_constants_carry_no_gradient():
    x = strided.Variable(np.ones(3, dtype="float32"))
    with strided.enable_grad():
        y = ops.sum(ops.multiply(ops.stop_gradient(x), x))
    y.backward()
    assert np.allclose(x.grad, 1.0)
    assert not ops.arange(3).requires_grad


def test_control_flow_and_index_updates_equal_keras():
    def same(ours, theirs):
        assert np.allclose(ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs))

    for lib_ops in (ops, keras.ops):
        assert float(lib_ops.cond(X.sum() > 0, lambda: 1.0, lambda: -1.0)) == (1.0 if X.sum() > 0 else -1.0)
    same(ops.fori_loop(0, 4, lambda i, v: v * 2 + i, X), keras.ops.fori_loop(0, 4, lambda i, v: v * 2 + i, X))
    ours = ops.while_loop(lambda a, b: a < 5, lambda a, b: (a + 1, b * 2), (0, 1))
    theirs = keras.ops.while_loop(lambda a, b: a < 5, lambda a, b: (a + 1, b * 2), (0, 1))
    assert [int(v) for v in ours] == [int(keras.ops.convert_to_numpy(v)) for v in theirs]
    same(ops.map(lambda row: row * 2, X), keras.ops.map(lambda row: row * 2, X))
    same(ops.vectorized_map(lambda row: ops.sum(row), X), keras.ops.vectorized_map(lambda row: keras.ops.sum(row), X))
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), np.zeros(4, "float32"), X)
    keras_carry, keras_ys = keras.ops.scan(lambda c, x: (c + x, c * x), np.zeros(4, "float32"), X)
    same(carry, keras_carry), same(ys, keras_ys)
    indices = np.array([[0, 1], [2, 0], [0, 1]])
    same(ops.scatter(indices, np.array([1.0, 2.0, 3.0]), (3, 2)),
         keras.ops.scatter(indices, np.array([1.0, 2.0, 3.0]), (3, 2)))
    same(ops.scatter_update(X, indices[:2], np.array([5.0, 6.0], "float32")),
         keras.ops.scatter_update(X, indices[:2], np.array([5.0, 6.0], "float32")))
    same(ops.slice_update(X, (1, 2), np.ones((2, 2), "float32")),
         keras.ops.slice_update(X, (1, 2), np.ones((2, 2), "float32")))
