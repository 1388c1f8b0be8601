"""The operations RandAugment and AugMix choose from: strided's own image layers, built with the
arguments Keras 3 gives them, drawing their randomness from the policy layer's generator.

Keras builds each operation from the policy's `factor` = (lower, upper):

    random_shear               RandomShear(x_factor=factor, y_factor=factor)
    random_translation         RandomTranslation(height_factor=factor, width_factor=factor)
    random_rotation            RandomRotation(factor)
    random_brightness          RandomBrightness(factor, value_range)
    random_color_degeneration  RandomColorDegeneration(factor, value_range)
    random_contrast            RandomContrast(factor, value_range)
    random_sharpness           RandomSharpness(factor, value_range)
    random_posterization       RandomPosterization(max(1, int(8 * upper)), value_range)
    solarization               Solarization(addition_factor=factor, threshold_factor=factor)
    auto_contrast              AutoContrast(value_range)
    equalization               Equalization(value_range)
"""

from strided.layers.preprocessing._image_layer import _keras_factor
from strided.layers.preprocessing.color_adjust import (
    AutoContrast,
    RandomColorDegeneration,
    RandomPosterization,
    RandomSharpness,
    Solarization,
)
from strided.layers.preprocessing.equalization import Equalization
from strided.layers.preprocessing.random_color import RandomBrightness, RandomContrast
from strided.layers.preprocessing.random_geometry import (
    RandomRotation,
    RandomShear,
    RandomTranslation,
)


def augment_operations(names, factor, value_range, interpolation, data_format, rng):
    """{name: layer} for the named operations (in that order); each draws from `rng()`.

    Args:
        names: operation names from the table in the module docstring.
        factor: the policy's (lower, upper) strength in [0, 1].
        value_range, interpolation, data_format: passed on as Keras does.
        rng: a function returning the generator to draw from at call time (the policy's).
    """
    geometry = {"interpolation": interpolation, "data_format": data_format}
    colour = {"value_range": value_range, "data_format": data_format}
    builders = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, **geometry),
        "random_translation": lambda: RandomTranslation(height_factor=factor, width_factor=factor,
                                                        **geometry),
        "random_rotation": lambda: RandomRotation(factor, **geometry),
        "random_brightness": lambda: RandomBrightness(factor, **colour),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor, **colour),
        "random_contrast": lambda: RandomContrast(factor, **colour),
        "random_sharpness": lambda: RandomSharpness(factor, **colour),
        "random_posterization": lambda: RandomPosterization(max(1, int(8 * factor[1])), **colour),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **colour),
        "auto_contrast": lambda: AutoContrast(**colour),
        "equalization": lambda: Equalization(**colour),
    }
    operations = {}
    for name in names:
        layer = builders[name]()
        layer._rng = rng  # one seed (or fit's per-sample keys) drives the whole policy
        operations[name] = layer
    return operations


def policy_factor(layer, value):
    """Keras' `_set_factor` with bounds (0, 1) for the policy layers: f -> (0, f); a pair, sorted."""
    return _keras_factor(layer, "factor", value, (0, 1))


__all__ = []
