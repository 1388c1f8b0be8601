"""Upsample (nearest, bilinear, ...) and the padding modules (ZeroPad2d, ConstantPad2d, ReflectionPad2d, ...)."""

from strided.torch.nn import functional as F
from strided.torch.nn.modules.module import Module


class Upsample(Module):
    """Resize (N, C, H, W) by `scale_factor` or to `size` with `mode` ("nearest", "bilinear", ...)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):  # noqa: A002
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"scale_factor={float(self.scale_factor)}" if self.scale_factor is not None else f"size={self.size}"
        return f"{what}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


class _PadNd(Module):
    mode, rank = "constant", 2

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = (padding,) * (2 * self.rank) if isinstance(padding, int) else tuple(padding)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ZeroPad2d(_PadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad2d(_PadNd):
    pass


class ConstantPad1d(_PadNd):
    rank = 1


class ReflectionPad2d(_PadNd):
    mode = "reflect"


class ReplicationPad2d(_PadNd):
    mode = "replicate"


class ReflectionPad1d(_PadNd):
    mode, rank = "reflect", 1


class ReplicationPad1d(_PadNd):
    mode, rank = "replicate", 1


__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and value.__module__ == __name__ and not name.startswith("_")]
