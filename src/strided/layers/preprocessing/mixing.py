"""MixUp and CutMix (training only): mix each image with another image of the batch, and
its one-hot label in the same proportion when the layer is called on {"images", "labels"}.

    MixUp:  x_i -> w_i x_i + (1 - w_i) x_p(i),       w_i ~ Beta(alpha, alpha)
    CutMix: a box of x_i is replaced by the same box of x_p(i); the box covers a fraction
            1 - w_i of the image (w_i ~ Beta(a, a), a drawn in `factor`), and the label
            weight is the fraction actually kept.

p is a random permutation of the batch. Given the same p, w and boxes, both follow Keras 3's
formulas exactly.
"""

import numpy as np

from strided import ops
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor
from strided.layers.preprocessing.random_erasing import box_masks, random_boxes


class _MixingLayer(_ImageLayer):
    def call(self, inputs, training=True):
        images = inputs["images"] if isinstance(inputs, dict) else inputs
        if not training or images.ndim == 3:
            return inputs
        params = self._draw(images.shape, self._rng())
        mixed = self._apply(images, params)
        if not isinstance(inputs, dict):
            return mixed
        outputs = dict(inputs, images=mixed)
        if "labels" in inputs:
            outputs["labels"] = self._mix_labels(inputs["labels"], params)
        return outputs

    def _mix_labels(self, labels, params):
        labels = ops.convert_to_tensor(labels)
        weight = np.asarray(params["mix_weight"], labels.dtype if labels.dtype.kind == "f" else np.float32)
        weight = weight.reshape(-1, 1)
        others = ops.take(labels, params["permutation_order"], axis=0)
        return ops.add(ops.multiply(labels, weight), ops.multiply(others, 1.0 - weight))

    def compute_output_shape(self, input_shape):
        return input_shape


class MixUp(_MixingLayer):
    """Blend each image (and label) with another image of the batch (Zhang et al. 2017).

    Args:
        alpha: the Beta(alpha, alpha) parameter of the blending weight (default 0.2).
        seed: int for repeatable draws.

    Example:
        >>> out = MixUp(alpha=0.2)({"images": images, "labels": one_hot_labels})
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"MixUp: `alpha` must be a positive number. Received: alpha={alpha!r}")
        self.alpha = alpha

    def _draw(self, shape, rng):
        n = shape[0]
        return {"permutation_order": rng.permutation(n), "mix_weight": rng.beta(self.alpha, self.alpha, n)}

    def _apply(self, images, params):
        weight = np.asarray(params["mix_weight"], images.dtype).reshape(-1, 1, 1, 1)
        others = ops.take(images, params["permutation_order"], axis=0)
        return ops.add(ops.multiply(images, weight), ops.multiply(others, 1.0 - weight))

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class CutMix(_MixingLayer):
    """Paste a random box from another image of the batch into each image (Yun et al. 2019).

    Args:
        factor: (lower, upper) in [0, 1] for the Beta parameter a (a float f means (0, f));
            the box covers a fraction 1 - w of the image, w ~ Beta(a, a).
        seed: int for repeatable draws.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("CutMix", "factor", factor, (0, 1))

    def _draw(self, shape, rng):
        n = shape[0]
        height, width = self._hw(shape)
        alpha = rng.uniform(self.factor[0], self.factor[1]) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, n)).astype(np.float32)
        x0, x1, y0, y1 = random_boxes(rng, n, height, width, ratio, ratio)
        return {"permutation_order": rng.permutation(n), "boxes": (x0, x1, y0, y1),
                "mix_weight": 1.0 - (x1 - x0) * (y1 - y0) / (width * height)}

    def _masks(self, shape, boxes):
        return box_masks(shape, boxes, self.data_format)

    def _apply(self, images, params):
        masks = self._masks(images.shape, params["boxes"])
        others = ops.take(images, params["permutation_order"], axis=0)
        return ops.where(masks, others, images)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


__all__ = ["CutMix", "MixUp"]
