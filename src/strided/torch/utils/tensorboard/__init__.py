"""`torch.utils.tensorboard`: PyTorch's `SummaryWriter`, writing TensorBoard event files with the
`tensorboard` package (as PyTorch's does), so `tensorboard --logdir runs` shows the curves.

    from strided.torch.utils.tensorboard import SummaryWriter
    writer = SummaryWriter("runs/fashion")
    writer.add_scalar("Loss/train", loss, step)
"""

from strided.torch.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
