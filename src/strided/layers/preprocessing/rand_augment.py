"""RandAugment (training only): apply `num_ops` operations picked at random, as Keras 3.

For each batch, `num_ops` operation indices are drawn uniformly (with repetition) from the
eleven of `_augment_operations` (shear, translation, rotation, brightness, colour degeneration,
contrast, sharpness, posterization, solarization, auto contrast, equalization, in Keras'
order) and applied one after another to the whole batch; each operation draws its own
per-image parameters at the strength `factor` (Cubuk et al. 2019, "RandAugment").
"""

import numbers

import numpy as np

from strided.layers.preprocessing._augment_operations import augment_operations, policy_factor
from strided.layers.preprocessing._dict_inputs import ImagesOrDict
from strided.layers.preprocessing._image_layer import _check_choice, _ImageLayer

RAND_AUGMENT_OPERATIONS = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)


def _policy_value_range(layer, value_range):
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(isinstance(v, numbers.Real) for v in value_range) or value_range[0] >= value_range[1]):
        raise ValueError(f"{layer}: `value_range` must be (min, max) with min < max. "
                         f"Received: value_range={value_range!r}")
    return tuple(value_range)


def _count(layer, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{layer}: `{name}` must be an int >= {minimum}. Received: {name}={value!r}")
    return int(value)


class RandAugment(ImagesOrDict, _ImageLayer):
    """Apply `num_ops` randomly chosen augmentations to each batch (training only).

    Args:
        value_range: the images' (min, max) range (default (0, 255)).
        num_ops: how many operations are applied in turn (default 2).
        factor: the strength in [0, 1]: a float f means (0, f), or (lower, upper) (default 0.5).
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: int for repeatable draws.

    Shape: unchanged.

    Example:
        >>> augment = RandAugment(value_range=(0, 1), num_ops=3, factor=0.3, seed=0)
        >>> augment(np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 3))).shape
        (4, 32, 32, 3)
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _policy_value_range("RandAugment", value_range)
        self.num_ops = _count("RandAugment", "num_ops", num_ops, 0)
        self.factor = policy_factor("RandAugment", factor)
        self.interpolation = _check_choice("RandAugment", "interpolation", interpolation,
                                           ("nearest", "bilinear"))
        self._operations = augment_operations(RAND_AUGMENT_OPERATIONS, self.factor, self.value_range,
                                              self.interpolation, self.data_format, self._rng)

    def _draw(self, rng):
        return {"layer_idxes": rng.integers(0, len(RAND_AUGMENT_OPERATIONS), self.num_ops)}

    def _apply(self, x, params):
        for index in np.asarray(params["layer_idxes"]).ravel():
            x = self._operations[RAND_AUGMENT_OPERATIONS[int(index)]]._transform(x, True)
        return x

    def _transform(self, x, training):
        return self._apply(x, self._draw(self._rng()))

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "num_ops": self.num_ops,
                "factor": tuple(self.factor), "interpolation": self.interpolation}


__all__ = ["RandAugment"]
