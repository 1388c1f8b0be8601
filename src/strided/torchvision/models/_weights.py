"""Pretrained-weight names as torchvision has them (`ResNet18_Weights.IMAGENET1K_V1`, "DEFAULT"),
found in torchvision's download cache and read with strided's safe loader (no code is executed)."""

import enum
import os
from pathlib import Path


class Weights:
    """One set of pretrained weights: where torchvision downloads it from and its file name."""

    def __init__(self, url, num_classes=1000):
        self.url, self.num_classes = url, num_classes

    @property
    def file_name(self):
        return self.url.rsplit("/", 1)[-1]


class WeightsEnum(enum.Enum):
    """An enum of `Weights`; `get_state_dict()` reads the checkpoint from torchvision's cache."""

    @classmethod
    def verify(cls, weights):
        """`weights` (None, a member, or its name such as "IMAGENET1K_V1" / "DEFAULT") as a member."""
        if weights is None or isinstance(weights, cls):
            return weights
        if isinstance(weights, str):
            name = weights.split(".")[-1]
            if name in cls.__members__:
                return cls.__members__[name]
        raise ValueError(f"{cls.__name__}: unknown weights {weights!r}; expected None or one of "
                         f"{', '.join(repr(name) for name in cls.__members__)}.")

    @property
    def url(self):
        return self.value.url

    def get_state_dict(self, progress=True, check_hash=False):
        path = cache_dir() / self.value.file_name
        if not path.is_file():
            raise FileNotFoundError(
                f"{type(self).__name__}.{self.name}: pretrained weights not found at {path}. strided does not "
                f"download them; fetch {self.url} and place the file there (or pass weights=None for a randomly "
                "initialised network).")
        from strided.torch.serialization import load

        return load(path, weights_only=True)


def cache_dir():
    """torchvision's checkpoint cache: $TORCH_HOME/hub/checkpoints (default ~/.cache/torch)."""
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub" / "checkpoints"
