"""torchvision's colour transforms: ColorJitter, Grayscale, RandomGrayscale."""

import numbers

from strided.torchvision.transforms import functional as F
from strided.torchvision.transforms._transform_base import Transform, torch_module, uniform


def _check_jitter(value, name, center=1.0, bound=(0, float("inf")), clip_first_on_zero=True):
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return None if value[0] == value[1] == center else tuple(value)


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    Args:
        brightness, contrast, saturation: a number b gives a factor in [max(0, 1 - b), 1 + b];
            a pair gives the range.
        hue: a number h in [0, 0.5] gives a shift in [-h, h] (in turns of the colour wheel).
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _check_jitter(brightness, "brightness")
        self.contrast = _check_jitter(contrast, "contrast")
        self.saturation = _check_jitter(saturation, "saturation")
        self.hue = _check_jitter(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the four adjustments, their factors or None), drawn as torchvision draws them."""
        order = torch_module().randperm(4).tolist()
        factors = [None if r is None else uniform(r[0], r[1]) for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def forward(self, img):
        order, brightness, contrast, saturation, hue = self.get_params(
            self.brightness, self.contrast, self.saturation, self.hue
        )
        adjust = (
            (brightness, F.adjust_brightness),
            (contrast, F.adjust_contrast),
            (saturation, F.adjust_saturation),
            (hue, F.adjust_hue),
        )
        for index in order:
            factor, function = adjust[index]
            if factor is not None:
                img = function(img, factor)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale(Transform):
    """To grayscale (ITU-R 601-2 luma), with 1 or 3 output channels."""

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)


class RandomGrayscale(Transform):
    """To grayscale with probability p, keeping the number of channels."""

    def __init__(self, p=0.1):
        self.p = p

    def forward(self, img):
        channels = F.get_dimensions(img)[0]
        return F.rgb_to_grayscale(img, channels) if torch_module().rand(1).item() < self.p else img


__all__ = ["ColorJitter", "Grayscale", "RandomGrayscale"]
