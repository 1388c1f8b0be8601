"""DirectoryIterator: what `ImageDataGenerator.flow_from_directory` returns (Keras 2's image-folder loader).

    datagen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, validation_split=0.2)
    train = datagen.flow_from_directory("data/train", target_size=(150, 150), batch_size=20,
                                        class_mode="binary", subset="training")
    model.fit(train, epochs=10)

Files are found as Keras finds them (sub-folders sorted by name are the classes, files walked
in sorted order, the validation subset is the first `validation_split` of each class's files),
read with `load_img` (nearest-neighbour resize by default, as Keras) and augmented and
standardised a batch at a time by the generator. The order each epoch comes from strided's
seeded generator (Keras reseeds NumPy's global generator per batch), so shuffled batches hold
the same images in a different order than Keras'.
"""

import math
import os

import numpy as np

from strided.utils.image_utils import img_to_array, load_img
from strided.utils.random import make_rng

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


def _valid_files(directory, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda item: item[0]):
        for name in sorted(files):
            if name.lower().endswith(tuple("." + extension for extension in WHITE_LIST_FORMATS)):
                yield root, name


def list_class_files(directory, classes, split, follow_links):
    """(relative file names, class indices) of every class folder, each cut to `split` (a fraction range)."""
    filenames, labels = [], []
    for index, name in enumerate(classes):
        folder = os.path.join(directory, name)
        files = list(_valid_files(folder, follow_links))
        if split is not None:
            files = files[int(split[0] * len(files)):int(split[1] * len(files))]
        for root, file in files:
            filenames.append(os.path.join(name, os.path.relpath(os.path.join(root, file), folder)))
            labels.append(index)
    return filenames, np.asarray(labels, dtype="int32")


class DirectoryIterator:
    """Endless batches of images read from class sub-folders, augmented by an ImageDataGenerator.

    Args:
        directory: folder with one sub-folder per class.
        image_data_generator: the ImageDataGenerator that augments and standardises.
        target_size: (height, width) of the images.
        color_mode: "rgb", "rgba" or "grayscale".
        classes: the sub-folders to use, in this order (default: all, sorted).
        class_mode: "categorical" (one-hot), "binary" (0/1), "sparse" (class indices; both as
            floats, as Keras), "input" (the
            images themselves, for autoencoders) or None (images only).
        batch_size, shuffle, seed: batching; `seed` makes the order and augmentations repeatable.
        subset: None, "training" or "validation" (the generator's validation_split of each class).
        interpolation, keep_aspect_ratio: passed to `load_img`.

    Attributes (as Keras): filenames, filepaths, classes, class_indices, num_classes, samples, labels.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: directory {str(directory)!r} does not exist or is not a folder.")
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".')
        if class_mode not in CLASS_MODES:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of {CLASS_MODES}")
        if subset not in (None, "training", "validation"):
            raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation"')
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"flow_from_directory: batch_size must be a positive int. Received: {batch_size!r}")
        self.directory = os.fspath(directory)
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.color_mode = color_mode
        self.data_format = image_data_generator.data_format if data_format is None else data_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if self.data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.class_mode, self.interpolation, self.keep_aspect_ratio = class_mode, interpolation, keep_aspect_ratio
        self.dtype = np.dtype(dtype or image_data_generator.dtype)
        split = None
        if subset is not None:
            fraction = image_data_generator.validation_split
            split = (0, fraction) if subset == "validation" else (fraction, 1)
        if not classes:
            classes = sorted(d for d in os.listdir(self.directory) if os.path.isdir(os.path.join(self.directory, d)))
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.num_classes = len(classes)
        self.filenames, self.classes = list_class_files(self.directory, classes, split, follow_links)
        self.samples = self.n = len(self.filenames)
        self.filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = make_rng(seed)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None

    @property
    def labels(self):
        return self.classes

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def on_epoch_end(self):
        """Draw a new order (called automatically when an epoch's batches are used up)."""
        self.index_array = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        self.batch_index = 0

    def _load(self, index):
        images = []
        for position in index:
            img = load_img(self.filepaths[position], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            images.append(img_to_array(img, data_format=self.data_format, dtype=self.dtype))
            img.close()
        return np.stack(images) if images else np.zeros((0,) + self.image_shape, self.dtype)

    def _batch(self, index):
        x = self.image_data_generator.transform_batch(self._load(index), rng=self.rng).astype(self.dtype, copy=False)
        labels = self.classes[index]
        if self.class_mode == "input":
            return x, x.copy()
        if self.class_mode in ("sparse", "binary"):  # class indices as floats, as Keras
            return x, labels.astype(self.dtype)
        if self.class_mode == "categorical":
            one_hot = np.zeros((len(index), self.num_classes), dtype=self.dtype)
            one_hot[np.arange(len(index)), labels] = 1
            return x, one_hot
        return x

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"Asked to retrieve batch {i}, but the iterator has {len(self)} batches.")
        if self.index_array is None:
            self.on_epoch_end()
        return self._batch(self.index_array[i * self.batch_size:(i + 1) * self.batch_size])

    def __iter__(self):
        return self

    def __next__(self):
        if self.index_array is None or self.batch_index >= len(self):
            self.on_epoch_end()
        i = self.batch_index
        self.batch_index += 1
        self.total_batches_seen += 1
        return self._batch(self.index_array[i * self.batch_size:(i + 1) * self.batch_size])

    def __repr__(self):
        return (f"DirectoryIterator(samples={self.n}, classes={self.num_classes}, batch_size={self.batch_size}, "
                f"batches_per_epoch={len(self)})")


__all__ = ["DirectoryIterator", "list_class_files"]
