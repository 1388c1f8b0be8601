"""Keras' `keras.preprocessing`: `image.ImageDataGenerator` for on-the-fly augmentation.

    from strided.preprocessing.image import ImageDataGenerator

(The Keras 3 preprocessing LAYERS -- RandomFlip, RandomRotation, ... -- are in `strided.layers`.)
"""

from strided.preprocessing import affine, image
from strided.preprocessing.affine import affine_matrices, affine_sample
from strided.preprocessing.image import ImageDataGenerator
from strided.preprocessing.iterator import NumpyArrayIterator
from strided.utils.image_dataset import (
    image_dataset_from_directory,  # keras.preprocessing.image_dataset_from_directory
)

__all__ = [
    "ImageDataGenerator",
    "NumpyArrayIterator",
    "affine",
    "affine_matrices",
    "affine_sample",
    "image",
    "image_dataset_from_directory",
]
