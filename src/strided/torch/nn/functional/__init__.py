"""`torch.nn.functional`: stateless functions over NCHW tensors (conv2d, max_pool2d, relu,
cross_entropy, batch_norm, dropout, pad, interpolate, ...), each a call into `strided.ops`.

    import strided.torch.nn.functional as F
"""

from strided.torch.nn.functional._pool_indices import max_unpool2d  # noqa: F401
from strided.torch.nn.functional.activation import *  # noqa: F401,F403
from strided.torch.nn.functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from strided.torch.nn.functional.loss import *  # noqa: F401,F403
from strided.torch.nn.functional.misc import *  # noqa: F401,F403
from strided.torch.nn.functional.normalization import (  # noqa: F401
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
)
from strided.torch.nn.functional.pooling import *  # noqa: F401,F403
