"""The modules of `torch.nn`, one family per file."""

from strided.torch.nn.modules.activation import *  # noqa: F401,F403
from strided.torch.nn.modules.container import *  # noqa: F401,F403
from strided.torch.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from strided.torch.nn.modules.dropout import *  # noqa: F401,F403
from strided.torch.nn.modules.linear import *  # noqa: F401,F403
from strided.torch.nn.modules.loss import *  # noqa: F401,F403
from strided.torch.nn.modules.module import Module  # noqa: F401
from strided.torch.nn.modules.normalization import *  # noqa: F401,F403
from strided.torch.nn.modules.pooling import *  # noqa: F401,F403
from strided.torch.nn.modules.upsampling import *  # noqa: F401,F403
