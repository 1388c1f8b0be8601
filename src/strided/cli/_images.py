"""Reading image files with Pillow and fitting them to a model's input shape.

An image is read as uint8 (height, width, channels) with 1 (grayscale) or 3 (RGB) channels and
scaled to [0, 1] floats, as the datasets are. Fitting it to a model input (H, W, C) follows one
rule:
conversions that lose nothing happen by themselves (a grayscale picture stored as RGB becomes
1 channel; a grayscale picture given to an RGB model is repeated on 3 channels), while conversions
that change the picture (a different size, colour to grayscale) happen only when the caller allows
them (`strided predict --resize`), and are then reported in a note.
"""

from pathlib import Path

import numpy as np

from strided.cli._errors import CLIError
from strided.cli._output import note

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


def _pillow():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is one of strided's dependencies
        raise CLIError("reading images needs Pillow: pip install Pillow") from None
    return Image


def describe(shape):
    """'28x28 grayscale' for (28, 28, 1), '32x32 RGB' for (32, 32, 3)."""
    height, width, channels = shape
    size = "any size" if height is None or width is None else f"{width}x{height}"
    kind = {1: "grayscale", 3: "RGB"}.get(channels, f"{channels}-channel")
    return f"{size} {kind}"


def read_image(path):
    """Read a PNG/JPEG (any format Pillow opens) as a uint8 array (height, width, 1 or 3).

    Transparency is dropped; palette and 16-bit images are converted to 8-bit.

    Example:
        >>> read_image("shoe.png").shape  # doctest: +SKIP
        (28, 28, 1)
    """
    image_module = _pillow()
    path = Path(path)
    if not path.exists():
        raise CLIError(f"image file not found: '{path}'")
    if path.is_dir():
        raise CLIError(f"'{path}' is a folder, not an image file")
    try:
        with image_module.open(path) as image:
            image.load()
            if image.mode in _GRAY_MODES:
                if image.mode.startswith("I"):  # 16/32-bit grayscale: rescale to 8 bits
                    data = np.asarray(image, dtype=np.float64)
                    top = 65535.0 if data.max() > 255 else 255.0
                    array = np.clip(data / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
                else:
                    array = np.asarray(image.convert("L"), dtype=np.uint8)
                return array[:, :, None]
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, image_module.DecompressionBombError) as error:
        raise CLIError(
            f"cannot read image '{path}': not an image Pillow can open ({error})"
        ) from None


def fit_image(array, target_shape, resize=False, name="image"):
    """Fit a uint8 (H, W, C) image to the model input `target_shape` (H, W, C); [0, 1] float32 out.

    Args:
        array: the image from `read_image`.
        target_shape: (height, width, channels); height/width may be None (any size).
        resize: allow the conversions that change the picture (size, colour -> grayscale).
        name: how to call the image in messages (its file name).

    Returns:
        (float32 array of target_shape, list of notes describing what was converted).

    Raises:
        CLIError when a picture-changing conversion is needed and `resize` is False; the
        message says what differs and offers --resize.
    """
    height, width, channels = target_shape
    if channels not in (1, 3):
        raise CLIError(
            f"the model expects {channels}-channel images; "
            "only 1 (grayscale) or 3 (RGB) channels can be read"
        )
    notes, problems = [], []
    original = describe(array.shape)
    if array.shape[2] == 3 and channels == 1:
        if np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(
            array[..., 1], array[..., 2]
        ):
            array = array[..., :1]  # grayscale stored as RGB: nothing is lost
        elif resize:
            array = _to_gray(array)
            notes.append("converted colour to grayscale")
        else:
            problems.append("colour, not grayscale")
    elif array.shape[2] == 1 and channels == 3:
        array = np.repeat(array, 3, axis=2)
        notes.append("repeated the grayscale channel as RGB")
    wanted = (height or array.shape[0], width or array.shape[1])
    if array.shape[:2] != wanted:
        if resize:
            array = _resize(array, wanted)
            notes.append(
                f"resized to {wanted[1]}x{wanted[0]} (stretching if the aspect ratio differs)"
            )
        else:
            problems.append(
                f"{array.shape[1]}x{array.shape[0]} pixels, not {wanted[1]}x{wanted[0]}"
            )
    if problems:
        raise CLIError(
            f"'{name}' is {original} but the model expects {describe(target_shape)} images "
            f"({'; '.join(problems)}); pass --resize to convert it"
        )
    if notes:
        notes = [f"'{name}' is {original}: " + ", ".join(notes)]
    return array.astype(np.float32) / np.float32(255.0), notes


def expand_image_paths(paths):
    """The image files the IMAGE arguments name: a file as given, a folder as the image files
    directly inside it (sorted by name). A folder without images is an error."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = image_files(path)
            if not inside:
                raise CLIError(f"the folder '{path}' holds no image files "
                               f"({', '.join(IMAGE_SUFFIXES)})")
            files += inside
        else:
            files.append(path)
    return files


def light_background(image):
    """True when an image in [0, 1] has a light border (its outermost pixels average above
    0.5): a dark object photographed on white, where MNIST-style data are light on black."""
    border = np.concatenate([image[0].ravel(), image[-1].ravel(), image[:, 0].ravel(),
                             image[:, -1].ravel()])
    return float(border.mean()) > 0.5


def read_images(paths, target_shape, resize=False, invert=False):
    """Read and fit every image file (all of them before the caller predicts anything), with a
    note on stderr for each conversion; returns the float32 batch (N, *target_shape).

    invert: use 1 - pixel (a dark object on a light background becomes light on dark). Without
    it, a grayscale model is warned about images with a light background (see
    `light_background`): MNIST-style models have only seen light objects on black.

    Example: `read_images(["shoe.png"], (28, 28, 1)).shape == (1, 28, 28, 1)`.
    """
    batch = []
    for path in paths:
        array, notes = fit_image(read_image(path), target_shape, resize=resize, name=path)
        if invert:
            array = np.float32(1.0) - array
        elif target_shape[2] == 1 and light_background(array):
            notes.append(f"'{path}' has a light background, but models trained on MNIST-style "
                         "data saw light objects on black: if the prediction looks wrong, "
                         "try --invert")
        for text in notes:
            note(text)
        batch.append(array)
    return np.stack(batch)


def _to_gray(array):
    """ITU-R 601-2 luma, as Pillow's convert('L')."""
    gray = array.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)[:, :, None]


def _resize(array, size):
    """Resize a uint8 (H, W, C) image to size=(height, width): Pillow's antialiased bilinear."""
    image_module = _pillow()
    height, width = size
    channels = array.shape[2]
    image = image_module.fromarray(array[:, :, 0] if channels == 1 else array)
    resized = np.asarray(
        image.resize((width, height), image_module.Resampling.BILINEAR), dtype=np.uint8
    )
    return resized[:, :, None] if channels == 1 else resized


def image_files(folder):
    """The image files directly inside `folder`, sorted by name."""
    return sorted(
        p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )


def class_folders(root):
    """The sub-folders of `root` (sorted by name; hidden ones skipped): one per class."""
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))


def load_image_folder(root, target_shape):
    """Read `root/<class name>/<image>` files into arrays fitted to `target_shape`.

    Every image is converted (resized, colour/grayscale) to the model input; the notes returned
    say how many were converted and how.

    Returns:
        x float32 (N, H, W, C) in [0, 1], y int64 (N,), class names (the folder names), notes.
    """
    root = Path(root)
    classes = class_folders(root)
    if len(classes) < 2:
        raise CLIError(
            f"'{root}' must hold one sub-folder of images per class (at least 2), e.g. "
            f"{root}/cats/1.png and {root}/dogs/1.png; found {len(classes)} sub-folder(s)"
        )
    images, labels, converted = [], [], {}
    for label, folder in enumerate(classes):
        files = image_files(folder)
        if not files:
            raise CLIError(f"class folder '{folder}' holds no images ({', '.join(IMAGE_SUFFIXES)})")
        for path in files:
            array, notes = fit_image(read_image(path), target_shape, resize=True, name=path.name)
            if (
                target_shape[0] is None or target_shape[1] is None
            ):  # flexible input: use the first size
                target_shape = array.shape
            for text in notes:
                key = text.split(": ", 1)[1]
                converted[key] = converted.get(key, 0) + 1
            images.append(array)
            labels.append(label)
    summary = [
        f"{count} of {len(images)} images in '{root}': {how}" for how, count in converted.items()
    ]
    return np.stack(images), np.asarray(labels, dtype=np.int64), [p.name for p in classes], summary


__all__ = [
    "read_image",
    "fit_image",
    "read_images",
    "load_image_folder",
    "image_files",
    "class_folders",
    "describe",
    "IMAGE_SUFFIXES",
]
