"""Keras 3 preprocessing layers: augmentation inside the model, plus rescaling, resizing, normalization.

    data_augmentation = Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    model = Sequential([Input((28, 28, 1)), data_augmentation, layers.Rescaling(1 / 255), ...])

The Random* layers transform only in training mode: `model.fit` augments, `predict`/`evaluate`
(training=False) pass images through unchanged. As in Keras 3, a direct call `layer(images)` with
no `training` argument counts as training, so it shows augmented examples. Rescaling, Resizing
and Normalization always apply. Geometric layers build one affine matrix per image and sample the
whole batch with one gather (`strided.preprocessing.affine`), differentiably.
Images are (N, H, W, C) (or (N, C, H, W) with data_format="channels_first"); a single image
(H, W, C) is accepted too.

    random_geometry     RandomFlip, RandomRotation, RandomTranslation, RandomZoom, RandomCrop,
                        RandomShear
    random_color        RandomContrast, RandomBrightness
    color_adjust        AutoContrast, Solarization, RandomGrayscale, RandomInvert,
                        RandomPosterization, RandomColorDegeneration, RandomSharpness
    color_jitter        RandomSaturation, RandomHue, RandomColorJitter
    random_erasing      RandomErasing
    random_blur         RandomGaussianBlur
    mixing              MixUp, CutMix (on images, or on {"images", "labels"})
    equalization        Equalization
    center_crop         CenterCrop
    random_perspective  RandomPerspective
    random_elastic_transform  RandomElasticTransform
    clahe               ContrastLimitedAdaptiveHistogramEqualization
    rand_augment        RandAugment (num_ops random operations of _augment_operations)
    aug_mix             AugMix (random augmentation chains mixed with the image)
    max_num_bounding_boxes  MaxNumBoundingBoxes (pads or cuts {"bounding_boxes"} to a fixed count)
    rescaling_resizing  Rescaling, Resizing
    normalization       Normalization
"""

from strided.layers.preprocessing.aug_mix import AugMix
from strided.layers.preprocessing.center_crop import CenterCrop
from strided.layers.preprocessing.clahe import ContrastLimitedAdaptiveHistogramEqualization
from strided.layers.preprocessing.color_adjust import (
    AutoContrast,
    RandomColorDegeneration,
    RandomGrayscale,
    RandomInvert,
    RandomPosterization,
    RandomSharpness,
    Solarization,
)
from strided.layers.preprocessing.color_jitter import RandomColorJitter, RandomHue, RandomSaturation
from strided.layers.preprocessing.equalization import Equalization
from strided.layers.preprocessing.max_num_bounding_boxes import MaxNumBoundingBoxes
from strided.layers.preprocessing.mixing import CutMix, MixUp
from strided.layers.preprocessing.normalization import Normalization
from strided.layers.preprocessing.rand_augment import RandAugment
from strided.layers.preprocessing.random_blur import RandomGaussianBlur
from strided.layers.preprocessing.random_color import RandomBrightness, RandomContrast
from strided.layers.preprocessing.random_elastic_transform import RandomElasticTransform
from strided.layers.preprocessing.random_erasing import RandomErasing
from strided.layers.preprocessing.random_geometry import (
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomShear,
    RandomTranslation,
    RandomZoom,
)
from strided.layers.preprocessing.random_perspective import RandomPerspective
from strided.layers.preprocessing.rescaling_resizing import Rescaling, Resizing

__all__ = [
    "AutoContrast",
    "CenterCrop",
    "CutMix",
    "Equalization",
    "MixUp",
    "Normalization",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPosterization",
    "RandomSharpness",
    "Solarization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomRotation",
    "RandomSaturation",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "AugMix",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "RandAugment",
    "RandomElasticTransform",
    "RandomPerspective",
    "MaxNumBoundingBoxes",
]
