"""Attention, AdditiveAttention and TimeDistributed against Keras 3.15 with the same weights,
masks and causal masks, gradients by finite differences, and TimeDistributed's config."""

import json

import numpy as np
import pytest

import strided
from strided import layers
from strided.autograd import gradcheck

from ._keras_pairs import keras

RNG = np.random.default_rng(0)
QUERY, VALUE, KEY = (RNG.normal(size=s).astype("float32") for s in ((2, 3, 4), (2, 5, 4), (2, 5, 4)))
VALUE_MASK = RNG.random((2, 5)) > 0.3
VALUE_MASK[:, 0] = True
QUERY_MASK = np.array([[True, False, True], [True, True, False]])


@pytest.mark.parametrize("name, kwargs", [
    ("Attention", {}), ("Attention", {"use_scale": True}), ("Attention", {"score_mode": "concat", "use_scale": True}),
    ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False}),
])
@pytest.mark.parametrize("call_kwargs", [
    {}, {"mask": [QUERY_MASK, VALUE_MASK]}, {"use_causal_mask": True}, {"return_attention_scores": True},
])
def test_attention_matches_keras(name, kwargs, call_kwargs):
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs([QUERY, VALUE, KEY])
    ours([QUERY, VALUE, KEY])
    weights = [w * 1.3 for w in theirs.get_weights()]  # not the initial ones
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected, actual = theirs([QUERY, VALUE, KEY], **call_kwargs), ours([QUERY, VALUE, KEY], **call_kwargs)
    for e, a in zip(expected if isinstance(expected, tuple) else [expected], actual if isinstance(actual, tuple) else [actual]):
        np.testing.assert_allclose(a.numpy(), np.asarray(e), rtol=1e-5, atol=1e-6)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


@pytest.mark.parametrize("make", [lambda: layers.Attention(use_scale=True, score_mode="concat", dtype="float64"),
                                  lambda: layers.AdditiveAttention(dtype="float64")])
def test_attention_gradients(make):
    layer = make()
    q, v = RNG.normal(size=(1, 2, 3)), RNG.normal(size=(1, 4, 3))
    gradcheck(lambda a, b: layer([a, b], use_causal_mask=True), [q, v])


def test_attention_errors():
    with pytest.raises(ValueError, match="Attention layer must be called on a list of inputs"):
        layers.Attention()(QUERY)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")


def test_time_distributed_conv_matches_keras_and_round_trips_its_config():
    clips = RNG.normal(size=(2, 3, 6, 6, 2)).astype("float32")
    theirs = keras.layers.TimeDistributed(keras.layers.Conv2D(4, 3))
    ours = layers.TimeDistributed(layers.Conv2D(4, 3))
    expected = np.asarray(theirs(clips))
    ours(clips)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(clips).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert ours.compute_output_shape((None, 3, 6, 6, 2)) == (None, 3, 4, 4, 4)
    assert ours.count_params() == theirs.count_params()
    config = ours.get_config()
    assert config["layer"]["class_name"] == theirs.get_config()["layer"]["class_name"] == "Conv2D"
    rebuilt = layers.TimeDistributed.from_config(json.loads(json.dumps(config)))
    assert rebuilt.layer.get_config()["kernel_size"] == (3, 3)


def test_time_distributed_in_a_model_shares_weights_and_gradients_flow():
    inputs = strided.Input((4, 3))
    outputs = layers.TimeDistributed(layers.Dense(2))(inputs)
    model = strided.Model(inputs, outputs)
    assert model.output_shape == (None, 4, 2) and model.count_params() == 8
    dense = layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64")
    gradcheck(lambda t: dense(t), [RNG.normal(size=(2, 3, 3))])
    with pytest.raises(ValueError, match="TimeDistributed: please initialize it with a Layer"):
        layers.TimeDistributed("dense")


def test_functional_attention_returning_scores():
    query, value = strided.Input((3, 4)), strided.Input((5, 4))
    output, scores = layers.Attention()([query, value], return_attention_scores=True)
    assert output.shape == (None, 3, 4) and scores.shape == (None, 3, 5)
    model = strided.Model([query, value], [output, scores])
    out, sc = model([QUERY, VALUE])
    np.testing.assert_allclose(sc.numpy().sum(axis=-1), 1.0, rtol=1e-5)
    assert out.shape == (2, 3, 4)
