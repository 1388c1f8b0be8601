"""`ImageFolder` and `DatasetFolder`: a dataset from a folder of class sub-folders, as torchvision reads it.

    root/cat/001.png, root/cat/002.png, root/dog/xyz.jpg  ->  classes ["cat", "dog"],
                                                             items (PIL RGB image, class index)

Classes are the sub-folder names in sorted order; files are taken in sorted order within each
class (sub-folders included), filtered by extension or by `is_valid_file`.
"""

import os

from PIL import Image

from strided.torchvision.datasets.vision import VisionDataset, transformed

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def find_classes(directory):
    """(sorted class folder names, {name: index})."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
    """[(path, class index)] in torchvision's order."""
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if is_valid_file is None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)
    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, names in sorted(os.walk(target_dir, followlinks=True)):
            for name in sorted(names):
                path = os.path.join(root, name)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[target_class]))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(message)
    return instances


def pil_loader(path):
    """The image at `path` as an RGB PIL image (read fully, the file closed)."""
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Items `(loader(path), class index)` from root/<class>/**/<file>.

    Args:
        root: the folder of class folders.
        loader: path -> sample.
        extensions: accepted file endings (or give `is_valid_file`).
        transform, target_transform: applied to the sample and to the class index.
        is_valid_file: path -> bool, instead of `extensions`.
        allow_empty: accept class folders without a valid file.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def find_classes(directory):
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        return transformed(self.transform, self.target_transform, sample, target)

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """`DatasetFolder` of images: items are (RGB PIL image, class index).

    Example:
        >>> train = ImageFolder("photos/train", transform=transforms.ToTensor())  # doctest: +SKIP
        >>> train.classes
        ['cat', 'dog']
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples


__all__ = ["DatasetFolder", "IMG_EXTENSIONS", "ImageFolder", "default_loader", "find_classes", "make_dataset",
           "pil_loader"]
