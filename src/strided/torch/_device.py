"""Devices: strided runs on the CPU, so `device("cpu")` is the only one and "cuda"/"mps" are
refused with a clear message (`torch.cuda.is_available()` is False, as on a CPU-only PyTorch)."""


class device:  # noqa: N801 - PyTorch's name
    """`torch.device("cpu")`; any other type is refused where a tensor would be moved to it."""

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        text = str(type)
        if ":" in text:
            text, number = text.split(":", 1)
            index = int(number)
        self.type, self.index = text, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


cpu_device = device("cpu")


def check_device(target):
    """Accept None or the CPU; refuse any accelerator in the user's words."""
    if target is None:
        return
    if isinstance(target, int) and not isinstance(target, bool):
        target = f"cuda:{target}"
    kind = device(target).type
    if kind != "cpu":
        raise RuntimeError(
            f"strided runs on the CPU only; cannot move a tensor or module to {str(target)!r}. "
            f"Use device='cpu' (torch.cuda.is_available() is False here, so the usual "
            f"`device = 'cuda' if torch.cuda.is_available() else 'cpu'` picks the CPU)."
        )
