"""Embedding, EinsumDense and MultiHeadAttention against Keras 3.15 with Keras' weights,
gradients by finite differences, summary parameter counts, and a small Vision-Transformer-style
model (patch projection + position Embedding + MultiHeadAttention) that trains."""

import numpy as np
import pytest

import strided
from strided import layers
from strided.autograd import gradcheck

from ._keras_pairs import keras, keras_and_strided

RNG = np.random.default_rng(0)
SEQ = RNG.normal(size=(2, 5, 6)).astype("float32")


def test_embedding_matches_keras_and_accumulates_repeated_ids():
    ids = np.array([[1, 4, 4, 0], [9, 2, 1, 1]])
    expected, actual, theirs, ours = keras_and_strided("Embedding", ids, 10, 3)
    np.testing.assert_array_equal(actual, expected)
    assert [w.shape for w in ours.weights] == [(10, 3)] and ours.count_params() == theirs.count_params()
    out = ours(ids)
    out.backward(np.ones(out.shape))
    counts = np.bincount(ids.ravel(), minlength=10)[:, None] * np.ones((1, 3))
    np.testing.assert_array_equal(ours.embeddings.grad, counts)


def test_embedding_errors():
    with pytest.raises(ValueError, match=r"Embedding 'e'.*\[0, input_dim=5\).*from 0 to 7"):
        layers.Embedding(5, 2, name="e")(np.array([[0, 7]]))
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 2)


@pytest.mark.parametrize("equation, output_shape, bias_axes", [
    ("abc,cd->abd", (None, 8), "d"), ("abc,cde->abde", (None, 2, 3), "de"), ("...b,bc->...c", 4, "c"),
    ("ab...,bc->ac...", 4, None), ("abc,cd->abd", (5, 8), "bd"), ("abcd,cde->abe", (None, 7), "e"),
])
def test_einsum_dense_matches_keras(equation, output_shape, bias_axes):
    x = SEQ if equation != "abcd,cde->abe" else RNG.normal(size=(2, 5, 2, 3)).astype("float32")
    expected, actual, theirs, ours = keras_and_strided("EinsumDense", x, equation, output_shape, bias_axes=bias_axes)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


def test_einsum_dense_gradient_and_errors():
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="e", dtype="float64")
    gradcheck(lambda t: layer(t), [RNG.normal(size=(2, 3, 4))])
    with pytest.raises(ValueError, match="EinsumDense: invalid einsum equation"):
        layers.EinsumDense("ab->b", 3)(SEQ)
    with pytest.raises(ValueError, match="bias axis 'z'"):
        layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="z")(SEQ)


@pytest.mark.parametrize("kwargs, call_kwargs, cross", [
    ({}, {}, False), ({"value_dim": 3, "output_shape": 9}, {}, True), ({}, {"use_causal_mask": True}, False),
    ({"use_bias": False}, {}, True),
])
def test_multi_head_attention_matches_keras(kwargs, call_kwargs, cross):
    value = RNG.normal(size=(2, 4, 7)).astype("float32") if cross else SEQ
    theirs, ours = keras.layers.MultiHeadAttention(2, 3, **kwargs), layers.MultiHeadAttention(2, 3, **kwargs)
    expected = np.asarray(theirs(SEQ, value, **call_kwargs))
    ours(SEQ, value, **call_kwargs)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(SEQ, value, **call_kwargs).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]


def test_multi_head_attention_mask_and_scores_match_keras():
    value = RNG.normal(size=(2, 4, 7)).astype("float32")
    mask = RNG.random((2, 5, 4)) > 0.3
    theirs, ours = keras.layers.MultiHeadAttention(3, 2), layers.MultiHeadAttention(3, 2)
    expected = theirs(SEQ, value, attention_mask=mask, return_attention_scores=True)
    ours(SEQ, value)
    ours.set_weights(theirs.get_weights())
    actual = ours(SEQ, value, attention_mask=mask, return_attention_scores=True)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a.numpy(), np.asarray(e), rtol=1e-5, atol=1e-6)
    assert np.all(actual[1].numpy()[~np.broadcast_to(mask[:, None], actual[1].shape)] < 1e-6)


def test_multi_head_attention_gradients():
    layer = layers.MultiHeadAttention(2, 2, dtype="float64")
    q, v = RNG.normal(size=(1, 3, 4)), RNG.normal(size=(1, 2, 4))
    gradcheck(lambda a, b: layer(a, b), [q, v])
    gradcheck(lambda a: layer(a, a, use_causal_mask=True), [q])


def test_dropout_on_attention_only_while_training():
    layer = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    first = layer(SEQ, SEQ).numpy()
    np.testing.assert_array_equal(layer(SEQ, SEQ, training=False).numpy(), first)
    assert not np.allclose(layer(SEQ, SEQ, training=True).numpy(), first)


def _patch_encoder(lib):
    """The Keras ViT example's PatchEncoder: a Dense projection plus a learned position Embedding."""

    class PatchEncoder(lib.layers.Layer):
        def __init__(self, num_patches, projection_dim):
            super().__init__()
            self.num_patches = num_patches
            self.projection = lib.layers.Dense(units=projection_dim)
            self.position_embedding = lib.layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

        def call(self, patch):
            positions = np.arange(self.num_patches)[None]
            return self.projection(patch) + self.position_embedding(positions)

    return PatchEncoder


def test_small_vision_transformer_summary_matches_keras_and_trains():
    def build(lib):
        inputs = lib.Input((8, 8, 1))
        patches = lib.layers.Reshape((4, 16))(lib.layers.Conv2D(16, 4, strides=4)(inputs))
        tokens = _patch_encoder(lib)(4, 16)(patches)
        attended = lib.layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.1)(tokens, tokens)
        tokens = lib.layers.LayerNormalization(epsilon=1e-6)(lib.layers.Add()([tokens, attended]))
        pooled = lib.layers.GlobalAveragePooling1D()(tokens)
        return lib.Model(inputs, lib.layers.Dense(3, activation="softmax")(pooled))

    model = build(strided)
    assert model.count_params() == build(keras).count_params()
    x = RNG.normal(size=(32, 8, 8, 1)).astype("float32")
    y = RNG.integers(0, 3, size=32)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_embedding_model_predicts_each_inputs_own_ids():
    """predict() may replay a trace of inference; an Embedding must look up the new ids."""
    inputs = strided.Input((3,))
    model = strided.Model(inputs, layers.Dense(2)(layers.Flatten()(layers.Embedding(10, 4)(inputs))))
    first, second = np.array([[1, 2, 3]] * 4), np.array([[7, 8, 9]] * 4)
    model.predict(first, verbose=0)
    np.testing.assert_allclose(model.predict(second, verbose=0), model(second).numpy(), rtol=1e-6)
    assert not np.allclose(model.predict(first, verbose=0), model.predict(second, verbose=0))


def test_functional_multi_head_attention_returning_scores():
    query = strided.Input((5, 6))
    output, scores = layers.MultiHeadAttention(2, 3)(query, query, return_attention_scores=True)
    assert output.shape == (None, 5, 6) and scores.shape == (None, 2, 5, 5)
    model = strided.Model(query, [output, scores])
    out, sc = model(SEQ)
    np.testing.assert_allclose(sc.numpy().sum(axis=-1), 1.0, rtol=1e-5)
