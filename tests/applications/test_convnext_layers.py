"""ConvNeXt's own layers (LayerScale, StochasticDepth) and a ConvNeXt saved and loaded by strided."""

import numpy as np
import pytest

from strided import applications
from strided.applications.convnext import LayerScale, StochasticDepth
from strided.models import load_model


def test_layer_scale_multiplies_each_channel_by_its_weight():
    layer = LayerScale(1e-6, 3)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(layer(x).numpy(), x * 1e-6)
    layer.set_weights([np.array([1.0, 2.0, 3.0], "float32")])
    np.testing.assert_allclose(layer(x).numpy(), x * [1.0, 2.0, 3.0])
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3,)]
    config = layer.get_config()
    assert (config["init_values"], config["projection_dim"]) == (1e-6, 3)


def test_layer_scale_errors_name_the_layer():
    with pytest.raises(ValueError, match="projection_dim"):
        LayerScale(0.1, 0)
    with pytest.raises(ValueError, match="LayerScale 'scale'.*4 channels.*\\(2, 3\\)"):
        LayerScale(0.1, 4, name="scale")(np.ones((2, 3), "float32"))


def test_stochastic_depth_drops_whole_samples_only_while_training():
    layer = StochasticDepth(0.5)
    x = np.ones((64, 2, 2, 3), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    per_sample = out.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert np.all(per_sample.min(axis=1) == per_sample.max(axis=1))  # whole samples
    assert 0 < (per_sample[:, 0] == 0).sum() < 64
    with pytest.raises(ValueError, match="drop_path_rate"):
        StochasticDepth(1.5)


def test_convnext_saved_and_loaded_gives_the_same_outputs(tmp_path):
    model = applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=3)
    model.get_layer("convnext_tiny_stage_3_block_2_layer_scale").set_weights(
        [np.linspace(0.5, 1.5, 768).astype("float32")]
    )
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    path = tmp_path / "convnext.keras"
    model.save(path)
    again = load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert isinstance(again.get_layer("convnext_tiny_stage_0_block_0_layer_scale"), LayerScale)
