"""`keras.random`: shapes, dtypes, ranges, distributions and seed semantics as Keras 3.

(The values themselves differ: strided draws from NumPy's PCG64, Keras from its backend.)
"""

import numpy as np
import pytest

import strided
from strided import random

keras = pytest.importorskip("keras")


def numpy_of(x):
    return keras.ops.convert_to_numpy(x) if not isinstance(x, strided.Tensor) else x.numpy()


@pytest.mark.parametrize("name,args,kwargs", [
    ("normal", ((3, 4),), {}), ("normal", ((2,),), {"mean": 3.0, "stddev": 0.1, "dtype": "float64"}),
    ("uniform", ((5,),), {"minval": -2, "maxval": 2}), ("truncated_normal", ((4, 4),), {}),
    ("randint", ((6,), 0, 10), {}), ("randint", ((2, 3), -5, 5), {"dtype": "int64"}),
    ("gamma", ((3,), 2.0), {}), ("beta", ((3,), 2.0, 3.0), {}), ("binomial", ((3,), 5, 0.5), {}),
], ids=lambda v: str(v))
def test_shape_and_dtype_match_keras(name, args, kwargs):
    ours = numpy_of(getattr(random, name)(*args, seed=1, **kwargs))
    theirs = numpy_of(getattr(keras.random, name)(*args, seed=1, **kwargs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype


def test_distributions():
    x = random.normal((20000,), mean=1.0, stddev=2.0, seed=0).numpy()
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 2.0) < 0.05
    t = random.truncated_normal((20000,), stddev=2.0, seed=0).numpy()
    assert np.abs(t).max() <= 4.0 and abs(t.std() - 2 * 0.8796) < 0.05  # std of N(0,1) cut at +-2
    u = random.uniform((20000,), minval=-1, maxval=3, seed=0).numpy()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1.0) < 0.05
    r = random.randint((20000,), 2, 5, seed=0).numpy()
    assert set(np.unique(r)) == {2, 3, 4}
    c = random.categorical(np.log([[0.2, 0.8], [0.9, 0.1]]), 4000, seed=0).numpy()
    assert c.shape == (2, 4000) and c.dtype == np.int32
    assert abs(c[0].mean() - 0.8) < 0.03 and abs(c[1].mean() - 0.1) < 0.03


def test_seed_semantics_as_keras():
    assert np.array_equal(random.normal((5,), seed=3).numpy(), random.normal((5,), seed=3).numpy())
    generator = random.SeedGenerator(42)
    first, second = random.normal((5,), seed=generator), random.normal((5,), seed=generator)
    assert not np.array_equal(first.numpy(), second.numpy())
    again = random.SeedGenerator(42)
    assert np.array_equal(random.normal((5,), seed=again).numpy(), first.numpy())
    strided.utils.set_random_seed(7)
    a = random.uniform((3,)).numpy()
    strided.utils.set_random_seed(7)
    assert np.array_equal(random.uniform((3,)).numpy(), a)
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="randint"):
        random.uniform((2,), dtype="int32")


def test_shuffle_and_dropout_like_keras():
    x = np.arange(24, dtype="float32").reshape(6, 4)
    shuffled = random.shuffle(x, axis=0, seed=1).numpy()
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, x)) and not np.array_equal(shuffled, x)
    columns = random.shuffle(x, axis=1, seed=1).numpy()
    assert np.array_equal(np.sort(columns, axis=1), x)
    ones = np.ones((200, 50), dtype="float32")
    ours = random.dropout(ones, 0.3, seed=2).numpy()
    theirs = numpy_of(keras.random.dropout(ones, 0.3, seed=2))
    assert set(np.unique(ours)) == set(np.unique(theirs)) == {0.0, np.float32(1 / 0.7)}
    assert abs((ours == 0).mean() - 0.3) < 0.02
    rows = random.dropout(ones, 0.5, noise_shape=(200, 1), seed=0).numpy()
    assert all(len(set(row)) == 1 for row in rows)
