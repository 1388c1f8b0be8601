"""`FakeData`: random images for trying a pipeline without any files (torchvision's `dset.FakeData`,
used by e.g. the DCGAN example's `--dataset fake`).

Item `i` is the same every time it is read: its image and label come from a generator seeded with
`i + random_offset` (strided's own stream, so the pixel values differ from torchvision's), and
reading an item leaves the global random state untouched, as in torchvision.
"""

import numpy as np
from PIL import Image

from strided.torchvision.datasets.vision import VisionDataset, transformed


class FakeData(VisionDataset):
    """`size` random PIL images of `image_size` = (channels, height, width) with labels below `num_classes`."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        if len(tuple(image_size)) != 3 or tuple(image_size)[0] not in (1, 3, 4):
            raise ValueError(f"FakeData: image_size must be (channels 1, 3 or 4, height, width), got {image_size!r}")
        self.size, self.num_classes = int(size), int(num_classes)
        self.image_size, self.random_offset = tuple(int(s) for s in image_size), int(random_offset)

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"FakeData index out of range: {index} (size {len(self)})")
        rng = np.random.default_rng(int(index) + self.random_offset)
        values = rng.standard_normal(self.image_size).astype(np.float32)
        target = int(rng.integers(0, self.num_classes))
        # ToPILImage of a float tensor: x * 255 as bytes (torchvision's `pic.mul(255).byte()`)
        pixels = (np.trunc(values * 255).astype(np.int64) % 256).astype(np.uint8).transpose(1, 2, 0)
        image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return self.size


__all__ = ["FakeData"]
