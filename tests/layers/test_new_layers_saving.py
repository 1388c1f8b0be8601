"""A model using the volumetric, attention and wrapper layers saves to a .keras file and loads
back with equal predictions and parameter counts."""

import numpy as np

import strided
from strided import layers


def test_volumetric_attention_model_round_trips(tmp_path):
    inputs = strided.Input((4, 4, 4, 1))
    x = layers.Conv3D(2, 3, padding="same")(inputs)
    x = layers.Conv3DTranspose(2, 2, strides=2)(x)
    x = layers.MaxPooling3D()(x)
    x = layers.AdaptiveAveragePooling3D((2, 2, 4))(x)
    x = layers.Reshape((16, 2))(x)
    x = layers.MultiHeadAttention(2, 3)(x, x)
    x = layers.RMSNormalization()(x)
    x = layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d")(x)
    x = layers.TimeDistributed(layers.Dense(2))(x)
    x = layers.Attention(use_scale=True)([x, x])
    outputs = layers.GlobalAveragePooling1D()(x)
    model = strided.Model(inputs, outputs)
    path = tmp_path / "volumes.keras"
    model.save(path)
    loaded = strided.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 4, 1)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.count_params() == model.count_params() > 0
