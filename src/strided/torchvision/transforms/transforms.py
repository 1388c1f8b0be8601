"""torchvision's transform classes: callables that prepare one image (PIL image or CHW tensor).

    transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),                                  # HWC uint8 -> CHW float in [0, 1]
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)), # (x - mean) / std per channel
    ])

Random transforms draw from strided.torch's default generator (`torch.manual_seed`), in the
order torchvision draws (e.g. RandomCrop: top, then left), so a seed fixes them; the numbers are
strided's, not PyTorch's. Argument checks and their messages are torchvision's.
"""

from strided.torchvision.transforms import functional as F
from strided.torchvision.transforms._color import ColorJitter, Grayscale, RandomGrayscale
from strided.torchvision.transforms._geometric import (
    CenterCrop,
    Pad,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
)
from strided.torchvision.transforms._transform_base import Transform
from strided.torchvision.transforms.functional import InterpolationMode


class Compose:
    """Apply transforms one after another.

    Example:
        >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 2)])(3)
        8
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class ToTensor(Transform):
    """PIL image or HWC ndarray -> CHW float tensor; uint8 values are divided by 255."""

    def forward(self, pic):
        return F.to_tensor(pic)


class PILToTensor(Transform):
    """PIL image -> CHW tensor of the image's dtype (uint8), values unchanged."""

    def forward(self, pic):
        return F.pil_to_tensor(pic)


class ToPILImage(Transform):
    """CHW tensor / HWC ndarray -> PIL image."""

    def __init__(self, mode=None):
        self.mode = mode

    def forward(self, pic):
        return F.to_pil_image(pic, self.mode)


class ConvertImageDtype(Transform):
    """Rescale a tensor image to `dtype`: uint8 [0, 255] <-> float [0, 1]."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(Transform):
    """output[c] = (input[c] - mean[c]) / std[c] on a float tensor image.

    Args:
        mean, std: one value per channel (e.g. (0.1307,), (0.3081,) for MNIST).
        inplace: write into the input tensor.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda(Transform):
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def forward(self, img):
        return self.lambd(img)


__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "ConvertImageDtype",
    "Grayscale",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "PILToTensor",
    "Pad",
    "RandomCrop",
    "RandomGrayscale",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "Resize",
    "ToPILImage",
    "ToTensor",
]
