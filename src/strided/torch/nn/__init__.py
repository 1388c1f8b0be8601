"""`torch.nn`: Module, Parameter, the layers, losses, containers, `functional` and `init`.

    import strided.torch.nn as nn
    import strided.torch.nn.functional as F
"""

from strided.torch.nn import functional, init, parallel, utils  # noqa: F401
from strided.torch.nn.modules import *  # noqa: F401,F403
from strided.torch.nn.modules.module import Module  # noqa: F401
from strided.torch.nn.parallel import DataParallel, SyncBatchNorm  # noqa: F401
from strided.torch.nn.parameter import Buffer, Parameter  # noqa: F401
