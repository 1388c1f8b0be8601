"""Tiny image folders for the tests: class sub-folders of random PNG/JPEG/BMP images of varied sizes."""

import os

import numpy as np


def write_image_folder(root, classes=(("cats", 7), ("dogs", 6)), formats=("png", "jpg", "bmp"),
                       size_range=(20, 60), seed=0, nested=True):
    """Write `root/<class>/img<i>.<ext>` (the first image of a class in a sub-folder when `nested`)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for name, count in classes:
        for i in range(count):
            height, width = (int(v) for v in rng.integers(*size_range, 2))
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            folder = os.path.join(root, name, "sub") if nested and i == 0 else os.path.join(root, name)
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(pixels).save(os.path.join(folder, f"img{i}.{formats[i % len(formats)]}"))
    return root
