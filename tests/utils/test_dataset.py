"""`strided.utils.Dataset` follows tf.data.Dataset on the methods Keras programs call."""

import os

import numpy as np
import pytest

from strided.utils.dataset import AUTOTUNE, Dataset, EagerArray

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

X = np.arange(30, dtype="float32").reshape(10, 3)
Y = np.arange(10, dtype="int32")


def elements(dataset):
    """Every element as (a tuple of) plain arrays."""
    out = []
    for element in dataset:
        parts = element if isinstance(element, tuple) else (element,)
        out.append(tuple(np.asarray(p.numpy() if hasattr(p, "numpy") else p) for p in parts))
    return out


def same(ours, theirs):
    a, b = elements(ours), elements(theirs)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x) == len(y) and all(np.array_equal(p, q) and p.shape == q.shape for p, q in zip(x, y))
    assert int(ours.cardinality()) == int(theirs.cardinality().numpy())


PIPELINES = {
    "slices": lambda D: D.from_tensor_slices((X, Y)),
    "batch": lambda D: D.from_tensor_slices((X, Y)).batch(4),
    "batch-drop": lambda D: D.from_tensor_slices((X, Y)).batch(4, drop_remainder=True),
    "unbatch": lambda D: D.from_tensor_slices((X, Y)).batch(4).unbatch(),
    "take-skip": lambda D: D.from_tensor_slices(X).skip(2).take(5),
    "map": lambda D: D.from_tensor_slices((X, Y)).map(lambda x, y: (x * 2, y + 1)),
    "repeat": lambda D: D.from_tensor_slices(Y).repeat(3).batch(7),
    "range-filter": lambda D: D.range(12).filter(lambda v: v % 3 == 0),
    "cache-prefetch": lambda D: D.range(5).cache().prefetch(AUTOTUNE if D is Dataset else tf.data.AUTOTUNE),
    "zip-enumerate": lambda D: D.zip((D.range(4), D.from_tensor_slices(Y[:4]))).enumerate(),
    "concatenate": lambda D: D.range(3).concatenate(D.range(5, 7)),
    "dict": lambda D: D.from_tensor_slices({"a": X, "b": Y}).batch(3).map(lambda e: (e["a"], e["b"])),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipelines_equal_tf_data(name):
    same(PIPELINES[name](Dataset), PIPELINES[name](tf.data.Dataset))


def test_shuffle_is_a_permutation_reshuffled_each_epoch():
    ds = Dataset.from_tensor_slices(Y).shuffle(4, seed=1)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    fixed = Dataset.from_tensor_slices(Y).shuffle(10, seed=1, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]
    again = Dataset.from_tensor_slices(Y).shuffle(4, seed=1)
    assert [int(v) for v in again] == first


def test_arrays_answer_numpy_and_len_follows_cardinality():
    images, labels = next(iter(Dataset.from_tensor_slices((X, Y)).batch(4)))
    assert isinstance(images, EagerArray) and images[0].numpy().astype("uint8").dtype == np.uint8
    assert len(Dataset.range(7).batch(3)) == 3
    assert not hasattr(Dataset.range(3).repeat(), "__len__")
    assert int(Dataset.range(3).repeat().cardinality()) == -1
    assert int(Dataset.range(3).filter(lambda v: v > 0).cardinality()) == -2
    seen = []
    cached = Dataset.range(3).map(lambda v: seen.append(int(v)) or v).cache()
    list(cached), list(cached)
    assert seen == [0, 1, 2]  # the map ran once: the second walk read the cache
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(0)
