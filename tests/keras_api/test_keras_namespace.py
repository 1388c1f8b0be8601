"""`strided.keras` is the tf.keras namespace made of strided's own modules (no copies)."""

import subprocess
import sys

import pytest

import strided
import strided as tf


def test_modules_and_names_are_stradeds_own():
    for name in ("layers", "models", "utils", "datasets", "optimizers", "losses", "metrics", "callbacks",
                 "activations", "initializers", "regularizers", "applications", "preprocessing", "ops",
                 "backend", "config", "random", "saving"):
        assert getattr(tf.keras, name) is getattr(strided, name), name
    assert tf.keras.Sequential is strided.Sequential and tf.keras.Model is strided.Model
    assert tf.keras.Input is strided.Input and tf.keras.layers.Conv2D is strided.layers.Conv2D
    assert tf.keras.utils.image_dataset_from_directory is strided.utils.image_dataset_from_directory
    assert tf.keras.models.clone_model is strided.models.clone_model
    assert tf.data.AUTOTUNE == -1


def test_submodule_imports_resolve_to_the_same_modules():
    import strided.keras.preprocessing.image as keras_image
    from strided.keras.layers import Dense
    from strided.keras.preprocessing.image import ImageDataGenerator, load_img

    import strided.preprocessing.image
    from strided.keras import layers

    assert layers is strided.layers and Dense is strided.layers.Dense
    assert keras_image is strided.preprocessing.image and keras_image.__name__ == "strided.preprocessing.image"
    assert load_img is strided.utils.load_img and ImageDataGenerator is strided.preprocessing.ImageDataGenerator


def test_unknown_names_say_what_exists():
    with pytest.raises(AttributeError, match="estimator.*layers"):
        _ = tf.keras.estimator


def test_import_is_lazy():
    code = ("import sys, strided; import strided.keras as k; "
            "print('strided.applications' in sys.modules, 'strided.datasets' in sys.modules); "
            "k.applications; print('strided.applications' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
