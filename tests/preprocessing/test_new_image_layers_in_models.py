"""RandomPerspective, RandomElasticTransform, RandAugment, AugMix and CLAHE inside a Sequential
model: the random ones change the images during fit only (predict sees them unchanged), a run
repeats under one seed, and a model holding them saves and loads back with the same configs."""

import numpy as np
import pytest

import strided
from strided import layers
from strided.utils import set_random_seed

RNG = np.random.default_rng(8)
IMAGES = RNG.uniform(0, 255, (8, 16, 16, 3)).astype(np.float32)
LABELS = np.eye(2, dtype=np.float32)[RNG.integers(0, 2, 8)]

RANDOM_LAYERS = [
    lambda: layers.RandomPerspective(factor=(1.0, 1.0), scale=0.5),
    lambda: layers.RandomElasticTransform(factor=(1.0, 1.0)),
    lambda: layers.RandAugment(num_ops=2, factor=0.8),
    lambda: layers.AugMix(factor=0.8),
]


class Recorder(layers.Layer):
    """Passes its input through and keeps what it saw, with the training flag."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append((bool(training), np.array(inputs.numpy())))
        return inputs


def _model(augmentation):
    recorder = Recorder()
    model = strided.Sequential([layers.Input((16, 16, 3)), augmentation, recorder, layers.Flatten(),
                                layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model, recorder


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_augment_in_fit_only_and_repeat_under_a_seed(make):
    runs = []
    for _ in range(2):
        set_random_seed(5)
        model, recorder = _model(make())
        model.fit(IMAGES, LABELS, batch_size=4, epochs=1, shuffle=False, verbose=0)
        trained = [x for training, x in recorder.seen if training]
        assert len(trained) == 2 and not np.allclose(np.concatenate(trained), IMAGES)
        recorder.seen.clear()
        model.predict(IMAGES, verbose=0)
        assert recorder.seen and all(not training for training, _ in recorder.seen)
        np.testing.assert_array_equal(np.concatenate([x for _, x in recorder.seen]), IMAGES)
        runs.append(np.concatenate(trained))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_clahe_applies_in_fit_and_predict():
    clahe = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    model, recorder = _model(clahe)
    model.fit(IMAGES, LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.predict(IMAGES, verbose=0)
    expected = clahe(IMAGES).numpy()
    batches = [(training, x) for training, x in recorder.seen if len(x) == len(IMAGES)]  # not build probes
    assert [training for training, _ in batches] == [True, False]
    for _, seen in batches:
        np.testing.assert_array_equal(seen, expected)


def test_a_model_with_the_new_layers_saves_and_loads(tmp_path):
    model = strided.Sequential([
        layers.Input((16, 16, 3)),
        layers.RandomPerspective(0.5, scale=0.3, seed=1),
        layers.RandomElasticTransform(scale=(0.1, 0.5), fill_mode="constant", seed=2),
        layers.RandAugment(num_ops=3, factor=(0.1, 0.6), seed=3),
        layers.AugMix(num_chains=2, all_ops=False, seed=4),
        layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=3.0, tile_grid_size=(4, 2)),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2),
    ])
    path = tmp_path / "augmenting.keras"
    model.save(path)
    loaded = strided.saving.load_model(path)
    for before, after in zip(model.layers, loaded.layers):
        assert type(before) is type(after)
        config, reloaded = before.get_config(), after.get_config()
        config.pop("name"), reloaded.pop("name")
        assert reloaded == config
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0), model.predict(IMAGES, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("make", RANDOM_LAYERS + [lambda: layers.ContrastLimitedAdaptiveHistogramEqualization()])
def test_a_dict_of_images_and_labels_transforms_the_images_only(make):
    layer = make()
    out = layer({"images": IMAGES, "labels": LABELS})
    assert set(out) == {"images", "labels"} and out["images"].shape == IMAGES.shape
    assert not np.allclose(out["images"].numpy(), IMAGES)
    np.testing.assert_array_equal(out["labels"].numpy(), LABELS)
    with pytest.raises(ValueError, match=rf"{type(layer).__name__}: a dict input must hold 'images'.*"
                                         r"does not transform \['segmentation_masks'\]"):
        layer({"images": IMAGES, "segmentation_masks": IMAGES[..., :1]})
