"""`image_dataset_from_directory`: a folder of class sub-folders of images -> a batched `Dataset`.

    main_directory/
        class_a/  a_image_1.jpg  a_image_2.jpg ...
        class_b/  b_image_1.jpg ...

The files are listed, labelled, shuffled and split exactly as Keras 3 does
(`keras/src/utils/dataset_utils.py`): sub-folders sorted by name give the classes, files are
walked in sorted order, the list is shuffled with `np.random.RandomState(seed)`, and the
validation subset is its last `int(validation_split * N)` files -- so for a given seed the
same files land in the same subset as in Keras. Images are decoded with Pillow and resized
as `tf.image.resize` does (bilinear, half-pixel centres, no antialias), to float32
("nearest" keeps uint8, as in Keras). JPEG pixels can differ from Keras' by a few levels:
TensorFlow decodes JPEG with libjpeg's fast integer DCT, Pillow with the accurate one.

One difference: Keras' training dataset is further reshuffled every epoch through a
tf.data buffer whose order NumPy cannot reproduce; here it is reshuffled with strided's
seeded generator (each batch still holds images in a random order, a new one every epoch).
"""

import os

import numpy as np

from strided._config import standardize_data_format
from strided.utils.dataset import Dataset, EagerArray
from strided.utils.image_resize import (
    INTERPOLATIONS,
    crop_to_aspect,
    resize_image,
    resize_with_pad,
)

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """(file paths, integer labels or None, class names), listed and shuffled as Keras does."""
    if not os.path.isdir(directory):
        raise ValueError(f"image_dataset_from_directory: directory {str(directory)!r} does not exist or is not a folder.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of the "
                    f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(
                "When `labels=None` (no labels), argument `class_names` cannot be specified."
                if labels is None else
                "When argument `labels` is specified, argument `class_names` cannot be specified "
                "(the `class_names` will be the sorted list of labels)."
            )
    class_names = list(subdirs)
    filenames, inferred = [], []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda item: item[0]):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    filenames.append(os.path.join(os.path.basename(folder), os.path.relpath(os.path.join(root, name), folder)))
                    inferred.append(index)
    if labels == "inferred":
        labels = np.asarray(inferred, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files in "
                f"directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            labels = np.array(labels)
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def split(samples, labels, validation_split, subset):
    """Keras' split: the validation subset is the last int(validation_split * N) samples."""
    if not validation_split:
        return samples, labels
    count = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - count} files for training.")
        return samples[:len(samples) - count], None if labels is None else labels[:len(labels) - count]
    if subset == "validation":
        print(f"Using {count} files for validation.")
        return samples[len(samples) - count:], None if labels is None else labels[len(labels) - count:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def check_validation_split(validation_split, subset, shuffle, seed):
    """Keras' `check_validation_split_arg`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", ' f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


def load_image(path, image_size, num_channels, interpolation, data_format,
               crop_to_aspect_ratio=False, pad_to_aspect_ratio=False):
    """One image file as a float32 array of `image_size`, as Keras' `_load_image_tf`."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
            if num_channels == 1 and img.mode in ("I;16", "I"):
                mode = img.mode
            array = np.asarray(img.convert(mode) if img.mode != mode else img)
    except OSError as error:
        raise ValueError(f"image_dataset_from_directory: cannot read the image file {path!r}: {error}") from None
    decoded_dtype = array.dtype
    array = array.astype(np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    if crop_to_aspect_ratio:
        image = resize_image(crop_to_aspect(array, image_size), image_size, interpolation)
    elif pad_to_aspect_ratio:
        image = resize_with_pad(array, image_size, interpolation)
    else:
        image = resize_image(array, image_size, interpolation)
    if interpolation == "nearest":  # tf.image.resize keeps the decoded dtype (uint8) for "nearest"
        image = image.astype(decoded_dtype)
    return image.transpose(2, 0, 1) if data_format == "channels_first" else image


def encode_labels(labels, label_mode, num_classes):
    """int32 labels, one-hot float32 rows ("categorical") or float32 (N, 1) ("binary")."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32)[:, None]
    if label_mode == "categorical":  # as tf.one_hot: a label outside [0, num_classes) gives zeros
        return (labels[:, None] == np.arange(num_classes)).astype(np.float32)
    return labels.astype(np.int32)


def paths_and_labels_to_dataset(image_paths, labels, label_mode, num_classes, batch_size, shuffle,
                                seed, load_arguments):
    """A Dataset of (images, labels) batches (or images alone), images loaded on the fly."""
    count = len(image_paths)
    encoded = encode_labels(labels, label_mode, num_classes) if label_mode else None

    def element(index):
        image = load_image(image_paths[index], *load_arguments).view(EagerArray)
        return image if encoded is None else (image, encoded[index].view(EagerArray))

    dataset = Dataset.range(count)
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed)
    dataset = dataset.map(lambda index: element(int(index)))
    return dataset.batch(batch_size) if batch_size is not None else dataset


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """A `Dataset` of (images, labels) batches from a folder of class sub-folders (Keras' function).

    Args:
        directory: folder with one sub-folder per class (labels="inferred"), or of images.
        labels: "inferred" (from the sub-folders), None (images only) or a list of int labels
            for the files in sorted order.
        label_mode: "int" (int32), "categorical" (one-hot float32), "binary" (float32 (N, 1),
            2 classes) or None (no labels).
        class_names: the sub-folders to use, in this order (default: all, sorted).
        color_mode: "rgb", "rgba" or "grayscale" (3, 4 or 1 channels).
        batch_size: images per batch (None: unbatched elements).
        image_size: (height, width) every image is resized to.
        shuffle, seed: shuffle the file list (and each epoch); a seed is needed with validation_split.
        validation_split, subset: the fraction held out, and "training", "validation" or "both"
            (a [training, validation] pair).
        interpolation: "bilinear" (default), "nearest", "bicubic", "area", "lanczos3", "lanczos5",
            "gaussian" or "mitchellcubic", each computed as TensorFlow's `tf.image.resize`.
        crop_to_aspect_ratio / pad_to_aspect_ratio: keep the aspect ratio by cropping / padding.
        data_format: "channels_last" (default) or "channels_first".

    Returns:
        A `Dataset` (two for subset="both") with `.class_names` and `.file_paths`; its
        elements are float32 images (N, H, W, C) with values 0-255 and the labels.

    Example:
        >>> train_ds, val_ds = image_dataset_from_directory("PetImages", validation_split=0.2,
        ...     subset="both", seed=1337, image_size=(180, 180), batch_size=128)
        >>> model.fit(train_ds, validation_data=val_ds, epochs=25)
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size as the "
                "number of image files in the target directory. If you wish to infer the labels from "
                'the subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
                "to get a dataset that only contains images (no labels), pass `labels=None`. "
                f"Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. '
                f"Received: labels={labels}, and class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )
    if labels is None or label_mode is None:
        labels = label_mode = None
    if color_mode not in CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {INTERPOLATIONS}. Received: interpolation={interpolation}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"`batch_size` must be a positive int or None. Received: batch_size={batch_size!r}")
    check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    directory = os.fspath(directory)
    image_paths, labels, class_names = index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: class_names={class_names}')
    load_arguments = (image_size, CHANNELS[color_mode], interpolation, standardize_data_format(data_format),
                      crop_to_aspect_ratio, pad_to_aspect_ratio)
    num_classes = len(class_names) if class_names else 0

    def make(paths, subset_labels, subset_shuffle, kind):
        if not paths:
            raise ValueError(f"No {kind}images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        dataset = paths_and_labels_to_dataset(paths, subset_labels, label_mode, num_classes, batch_size,
                                              subset_shuffle, seed, load_arguments)
        dataset.class_names = class_names
        dataset.file_paths = paths
        return dataset

    if subset == "both":
        train = split(image_paths, labels, validation_split, "training")
        val = split(image_paths, labels, validation_split, "validation")
        return [make(*train, shuffle, "training "), make(*val, False, "validation ")]
    paths, subset_labels = split(image_paths, labels, validation_split, subset)
    return make(paths, subset_labels, shuffle, "")


__all__ = ["image_dataset_from_directory", "index_directory", "load_image"]
