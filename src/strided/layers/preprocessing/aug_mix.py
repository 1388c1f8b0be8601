"""AugMix (training only): mix several random augmentation chains with the image, as Keras 3.

For each batch (Hendrycks et al. 2020, "AugMix"):

    m ~ Dirichlet(alpha, ..., alpha)   one weight per chain (num_chains of them)
    w ~ Beta(alpha, alpha)
    chain k: chain_depth slots, each an operation picked uniformly from the list or "none"
    out = clip(w x + (1 - w) sum_k m_k chain_k(x), value_range)

The operations are those of `_augment_operations` (with all_ops=False only the seven that do
not overlap ImageNet-C's corruptions: shear, translation, rotation, posterization,
solarization, auto contrast, equalization); each draws its own per-image parameters.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._augment_operations import augment_operations, policy_factor
from strided.layers.preprocessing._dict_inputs import ImagesOrDict
from strided.layers.preprocessing._image_layer import _check_choice, _ImageLayer
from strided.layers.preprocessing.rand_augment import _count, _policy_value_range

AUG_MIX_OPERATIONS = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
)
AUG_MIX_BASIC_OPERATIONS = AUG_MIX_OPERATIONS[:7]


class AugMix(ImagesOrDict, _ImageLayer):
    """Blend each batch with a random mixture of augmentation chains (training only).

    Args:
        value_range: the images' (min, max) range (default (0, 255)).
        num_chains: how many chains are mixed (default 3).
        chain_depth: the operation slots of a chain (default 3); each slot may stay empty, so
            a chain applies 0 to chain_depth operations.
        factor: the strength in [0, 1]: a float f means (0, f), or (lower, upper) (default 0.3).
        alpha: the Dirichlet and Beta concentration (default 1.0).
        all_ops: use all eleven operations (default True) or only the seven basic ones.
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: int for repeatable draws.

    Shape: unchanged.

    Example:
        >>> augment = AugMix(value_range=(0, 1), seed=0)
        >>> augment(np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 3))).shape
        (4, 32, 32, 3)
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0,
                 all_ops=True, interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _policy_value_range("AugMix", value_range)
        self.num_chains = _count("AugMix", "num_chains", num_chains, 1)
        self.chain_depth = _count("AugMix", "chain_depth", chain_depth, 0)
        self.factor = policy_factor("AugMix", factor)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha > 0:
            raise ValueError(f"AugMix: `alpha` must be a positive number. Received: alpha={alpha!r}")
        self.alpha = alpha
        self.all_ops = _check_choice("AugMix", "all_ops", all_ops, (True, False))
        self.interpolation = _check_choice("AugMix", "interpolation", interpolation, ("nearest", "bilinear"))
        self._names = AUG_MIX_OPERATIONS if all_ops else AUG_MIX_BASIC_OPERATIONS
        self._operations = augment_operations(self._names, self.factor, self.value_range,
                                              self.interpolation, self.data_format, self._rng)

    def _draw(self, rng):
        picks = rng.integers(0, len(self._names) + 1, (self.num_chains, self.chain_depth))
        chains = [[self._names[i] for i in row if i < len(self._names)] for row in picks]  # last: none
        return {"chain_mixing_weights": rng.dirichlet([self.alpha] * self.num_chains),
                "weight_sample": float(rng.beta(self.alpha, self.alpha)),
                "chain_transforms": chains}

    def _apply(self, x, params):
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        mixture = 0.0
        for weight, chain in zip(params["chain_mixing_weights"], params["chain_transforms"]):
            augmented = x
            for name in chain:
                augmented = self._operations[name]._transform(augmented, True)
            mixture = ops.add(mixture, ops.multiply(augmented, dtype.type(weight)))
        keep = dtype.type(params["weight_sample"])
        mixed = ops.add(ops.multiply(x, keep), ops.multiply(mixture, dtype.type(1) - keep))
        return ops.clip(mixed, *self.value_range)

    def _transform(self, x, training):
        return self._apply(x, self._draw(self._rng()))

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "num_chains": self.num_chains,
                "chain_depth": self.chain_depth, "factor": tuple(self.factor), "alpha": self.alpha,
                "all_ops": self.all_ops, "interpolation": self.interpolation}


__all__ = ["AugMix"]
