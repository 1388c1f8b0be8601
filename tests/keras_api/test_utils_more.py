"""keras.utils helpers (pack/unpack_x_y_sample_weight, get_source_inputs, is_keras_tensor,
standardize_dtype, pad_sequences, timeseries_dataset_from_array) and keras.ops
depth_to_space / space_to_depth, against Keras 3."""

import numpy as np
import pytest

import strided
from strided import ops, utils

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("args", [(1,), ((1, 2),), (1, 2), (1, 2, 3), ([1], None, 3)])
def test_pack_and_unpack_as_keras(args):
    assert utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)
    packed = keras.utils.pack_x_y_sample_weight(*args)
    assert utils.unpack_x_y_sample_weight(packed) == keras.utils.unpack_x_y_sample_weight(packed)
    with pytest.raises(ValueError, match="sample_weight"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_get_source_inputs_and_is_keras_tensor():
    first, second = strided.Input((4,)), strided.Input((4,))
    merged = strided.layers.Add()([strided.layers.Dense(4)(first), second])
    out = strided.layers.Dense(2)(strided.layers.Concatenate()([merged, first]))
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is first and sources[1] is second  # Keras' order
    k_first, k_second = keras.Input((4,)), keras.Input((4,))
    k_merged = keras.layers.Add()([keras.layers.Dense(4)(k_first), k_second])
    k_sources = keras.utils.get_source_inputs(keras.layers.Concatenate()([k_merged, k_first]))
    assert k_sources[0] is k_first and k_sources[1] is k_second
    assert utils.get_source_inputs(first)[0] is first
    assert utils.is_keras_tensor(out) and not utils.is_keras_tensor(np.zeros(3))
    assert utils.standardize_dtype("float32") == keras.utils.standardize_dtype("float32")
    assert utils.standardize_dtype(np.int64) == keras.utils.standardize_dtype(np.int64)


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 2}, {"padding": "post"}, {"truncating": "post", "maxlen": 2}, {"value": -1, "dtype": "float32"},
    {"maxlen": 5, "padding": "post", "truncating": "post"},
])
def test_pad_sequences_as_keras(kwargs):
    sequences = [[1], [2, 3], [], [4, 5, 6]]
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    got = utils.pad_sequences(sequences, **kwargs)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype
    vectors = [np.ones((2, 3)), np.zeros((1, 3))]
    np.testing.assert_array_equal(utils.pad_sequences(vectors, **kwargs), keras.utils.pad_sequences(vectors, **kwargs))
    with pytest.raises(ValueError, match="padding"):
        utils.pad_sequences(sequences, padding="middle")


@pytest.mark.parametrize("kwargs", [
    {"sequence_length": 3}, {"sequence_length": 4, "sequence_stride": 3, "sampling_rate": 2, "batch_size": 4},
    {"sequence_length": 2, "start_index": 5, "end_index": 30, "batch_size": 7}, {"sequence_length": 5, "batch_size": None},
])
@pytest.mark.parametrize("with_targets", [False, True])
def test_timeseries_windows_as_keras(kwargs, with_targets):
    data = np.arange(80, dtype=np.float32).reshape(40, 2)
    targets = np.arange(40) * 10 if with_targets else None
    expected = list(keras.utils.timeseries_dataset_from_array(data, targets, **kwargs).as_numpy_iterator())
    got = list(utils.timeseries_dataset_from_array(data, targets, **kwargs))
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected):
        if with_targets:
            np.testing.assert_array_equal(mine[0], theirs[0])
            np.testing.assert_array_equal(mine[1], theirs[1])
        else:
            np.testing.assert_array_equal(mine, theirs)


def test_timeseries_shuffle_and_fit():
    data = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    targets = data[:, 0].copy()
    dataset = utils.timeseries_dataset_from_array(data, targets, sequence_length=5, batch_size=8, shuffle=True, seed=1)
    firsts = np.concatenate([batch[1] for batch in dataset])
    assert sorted(firsts.tolist()) == sorted(targets[:56].tolist()) and not np.array_equal(firsts, targets[:56])
    model = strided.Sequential([strided.Input((5, 3)), strided.layers.Flatten(), strided.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="sequence_stride"):
        utils.timeseries_dataset_from_array(data, None, 5, sequence_stride=0)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("block", [2, 3])
def test_depth_space_as_keras(data_format, block):
    x = np.random.default_rng(block).normal(size=(2, 3 * block, 6, 2 * block * block)).astype(np.float32)
    if data_format == "channels_first":
        x = np.random.default_rng(block).normal(size=(2, 2 * block * block, 3 * block, 6)).astype(np.float32)
    deep = ops.depth_to_space(x, block, data_format=data_format)
    np.testing.assert_array_equal(deep.numpy(), keras.ops.convert_to_numpy(
        keras.ops.depth_to_space(x, block, data_format=data_format)))
    if data_format == "channels_last" or x.shape[2] % block == 0 and x.shape[3] % block == 0:
        wide = ops.space_to_depth(x if data_format == "channels_last" else deep.numpy(), block, data_format=data_format)
        source = x if data_format == "channels_last" else deep.numpy()
        np.testing.assert_array_equal(wide.numpy(), keras.ops.convert_to_numpy(
            keras.ops.space_to_depth(source, block, data_format=data_format)))
    np.testing.assert_array_equal(ops.space_to_depth(deep, block, data_format=data_format).numpy(), x)
    assert strided.gradcheck(lambda t: ops.depth_to_space(t, block, data_format=data_format), [x[:1].astype(np.float64)])
    with pytest.raises(ValueError, match="block_size"):
        ops.depth_to_space(x, 1)


def test_config_object_as_keras():
    mine, theirs = utils.Config(learning_rate=0.1, epochs=5), keras.utils.Config(learning_rate=0.1, epochs=5)
    for config in (mine, theirs):
        config.batch_size = 32
        config["seed"] = 1
        del config["epochs"]
    assert mine.as_dict() == theirs.as_dict() and list(mine) == list(theirs) and len(mine) == len(theirs)
    assert mine.to_json() == theirs.to_json() and mine.batch_size == theirs.batch_size == 32
    assert "seed" in mine and mine.get("missing", 3) == 3
    mine.freeze()
    assert mine.frozen
    with pytest.raises(ValueError, match="frozen"):
        mine.batch_size = 64
    with pytest.raises(AttributeError, match="Did you mean 'batch_size'"):
        mine.batch_sizes  # noqa: B018
    mine.unfreeze()
    mine.update(batch_size=64)
    assert mine["batch_size"] == 64
