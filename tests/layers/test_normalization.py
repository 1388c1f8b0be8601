import json

import numpy as np
import pytest
import torch.nn.functional as F

from strided import layers
from strided.layers.naming import reset_names

from ._torch_layers import IDENTITY, compare_layer_with_torch


@pytest.fixture(autouse=True)
def fresh_names():
    reset_names()


def test_batchnorm_after_conv_params_and_weight_order():
    x = layers.Input((28, 28, 1))
    conv, bn = layers.Conv2D(32, (3, 3)), layers.BatchNormalization()
    assert bn(conv(x)).shape == (None, 26, 26, 32)
    assert bn.count_params() == 128
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert sum(w.size for w in bn.non_trainable_weights) == 64
    gamma, beta, mean, variance = bn.get_weights()
    np.testing.assert_array_equal(gamma, 1) and np.testing.assert_array_equal(variance, 1)
    np.testing.assert_array_equal(beta, 0) and np.testing.assert_array_equal(mean, 0)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_batchnorm_training_matches_torch(data_format, rng):
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1  # NCHW
    axis = 1
    if data_format == "channels_last":
        x, axis = np.transpose(x, (0, 2, 3, 1)).copy(), -1
    layer = layers.BatchNormalization(axis=axis, dtype="float64")
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    weights = [gamma, beta, np.zeros(3), np.ones(3)]

    def torch_bn(xt, g, b, mean, var):
        t = xt if data_format == "channels_first" else xt.permute(0, 3, 1, 2)
        y = F.batch_norm(t, None, None, g, b, training=True, eps=1e-3)
        return y if data_format == "channels_first" else y.permute(0, 2, 3, 1)

    compare_layer_with_torch(layer, torch_bn, x, weights, [IDENTITY] * 4, training=True)


def test_batchnorm_moving_statistics_follow_keras_formula(rng):
    layer = layers.BatchNormalization(momentum=0.9, dtype="float64")
    mean, var = np.zeros(2), np.ones(2)
    for _ in range(3):
        x = rng.standard_normal((6, 4, 2)) * 3 + 2
        layer(x, training=True)
        batch_mean = x.mean(axis=(0, 1))
        batch_var = x.var(axis=(0, 1))  # biased, as Keras
        mean = mean * 0.9 + batch_mean * 0.1
        var = var * 0.9 + batch_var * 0.1
        np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-12)
        np.testing.assert_allclose(layer.moving_variance.numpy(), var, rtol=1e-12)
    assert layer.momentum == 0.9 and layers.BatchNormalization().momentum == 0.99


def test_batchnorm_inference_uses_moving_statistics_like_torch_eval(rng):
    x = rng.standard_normal((4, 5, 5, 3))
    layer = layers.BatchNormalization(dtype="float64")
    gamma, beta, mean, var = (rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3),
                              rng.uniform(0.5, 2, 3))

    def torch_eval(xt, g, b, m, v):
        return F.batch_norm(xt.permute(0, 3, 1, 2), m.detach(), v.detach(), g, b, training=False,
                            eps=1e-3).permute(0, 2, 3, 1)

    out = compare_layer_with_torch(layer, torch_eval, x, [gamma, beta, mean, var], [IDENTITY] * 4)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-10)
    # training=None and training=False are inference too; the moving statistics do not move
    np.testing.assert_allclose(layer(x).numpy(), out, rtol=1e-12)
    np.testing.assert_allclose(layer(x, training=False).numpy(), out, rtol=1e-12)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mean)


def test_frozen_batchnorm_runs_in_inference_mode_even_when_training(rng):
    layer = layers.BatchNormalization()
    x = (rng.standard_normal((8, 4, 4, 3)) * 5 + 3).astype("float32")
    layer(x, training=True)
    before = [w.copy() for w in layer.get_weights()]
    layer.trainable = False
    y = layer(x, training=True)
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_allclose(y.numpy(), layer(x, training=False).numpy())
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    layer.trainable = True
    assert not np.allclose(layer(x, training=True).numpy(), y.numpy())


def test_batchnorm_without_center_and_scale_and_with_several_axes(rng):
    layer = layers.BatchNormalization(center=False, scale=False)
    layer(np.zeros((2, 3, 4)))
    assert [w.name for w in layer.weights] == ["moving_mean", "moving_variance"]
    x = rng.standard_normal((5, 3, 4))
    multi = layers.BatchNormalization(axis=[1, 2], dtype="float64")
    y = multi(x, training=True).numpy()
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-8)
    assert multi.moving_mean.shape == (3, 4)
    infer = multi(x).numpy()
    expected = (x - multi.moving_mean.numpy()) / np.sqrt(multi.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(infer, expected, rtol=1e-10)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization_matches_torch(axis, rng):
    x = rng.standard_normal((3, 4, 5))
    layer = layers.LayerNormalization(axis=axis, dtype="float64")
    shape = (5,) if axis == -1 else (4, 5)
    gamma, beta = rng.standard_normal(shape), rng.standard_normal(shape)

    def torch_ln(xt, g, b):
        return F.layer_norm(xt, shape, g, b, eps=1e-3)

    compare_layer_with_torch(layer, torch_ln, x, [gamma, beta], [IDENTITY, IDENTITY])
    assert [w.name for w in layer.weights] == ["gamma", "beta"]


def test_layer_normalization_rms_scaling(rng):
    x = rng.standard_normal((3, 6))
    layer = layers.LayerNormalization(rms_scaling=True, dtype="float64")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-3), rtol=1e-10)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_group_normalization_matches_torch(data_format, rng):
    x = rng.standard_normal((2, 6, 4, 4))  # NCHW
    axis = 1
    if data_format == "channels_last":
        x, axis = np.transpose(x, (0, 2, 3, 1)).copy(), -1
    layer = layers.GroupNormalization(groups=3, axis=axis, dtype="float64")
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)

    def torch_gn(xt, g, b):
        t = xt if data_format == "channels_first" else xt.permute(0, 3, 1, 2)
        y = F.group_norm(t, 3, g, b, eps=1e-3)
        return y if data_format == "channels_first" else y.permute(0, 2, 3, 1)

    compare_layer_with_torch(layer, torch_gn, x, [gamma, beta], [IDENTITY, IDENTITY])
    assert layer.count_params() == 12


@pytest.mark.parametrize(
    "layer",
    [
        lambda: layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                          gamma_regularizer="l2", moving_variance_initializer="zeros"),
        lambda: layers.LayerNormalization(axis=[1, 2], rms_scaling=True, beta_initializer="ones"),
        lambda: layers.GroupNormalization(groups=4, epsilon=1e-4, scale=False),
    ],
)
def test_normalization_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.BatchNormalization(momentum=1.5), r"BatchNormalization.*momentum=1.5"),
        (lambda: layers.BatchNormalization(epsilon=0), r"BatchNormalization.*epsilon=0"),
        (lambda: layers.GroupNormalization(groups=0), r"GroupNormalization.*groups=0"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"GroupNormalization.*groups \(4\) must divide.*\(6\)"):
        layers.GroupNormalization(groups=4)(np.zeros((1, 3, 3, 6)))
    with pytest.raises(ValueError, match=r"GroupNormalization.*cannot be more"):
        layers.GroupNormalization()(np.zeros((1, 3, 3, 6)))
    with pytest.raises(ValueError, match=r"BatchNormalization.*axis 3 is out of range"):
        layers.BatchNormalization(axis=3)(np.zeros((2, 3, 4)))
