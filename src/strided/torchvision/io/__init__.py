"""`torchvision.io`: images read straight into uint8 tensors (C, H, W), as torchvision's
`read_image`/`decode_image` give them (PIL decodes the file; JPEG pixels may differ by a few
levels from torchvision's libjpeg build), and `write_png`/`write_jpeg`/`encode_png`.

    from strided.torchvision.io import read_image, ImageReadMode
    image = read_image("cat.jpg")                        # uint8 tensor (3, H, W)
    gray = read_image("cat.jpg", ImageReadMode.GRAY)     # (1, H, W)
"""

from strided.torchvision.io.image import (
    ImageReadMode,
    decode_image,
    encode_png,
    read_file,
    read_image,
    write_jpeg,
    write_png,
)

__all__ = ["ImageReadMode", "decode_image", "encode_png", "read_file", "read_image", "write_jpeg", "write_png"]
