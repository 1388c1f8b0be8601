"""Differentiable operations on Tensors, with Keras 3 `keras.ops` names and arguments.

Each file is one family; each op is a `Function` (forward and backward on NumPy arrays,
side by side) plus a public function that validates its arguments once, here at the entry.
"""

from strided.ops.activations import *  # noqa: F401,F403
from strided.ops.arithmetic import *  # noqa: F401,F403
from strided.ops.batch_norm import *  # noqa: F401,F403
from strided.ops.conv import *  # noqa: F401,F403
from strided.ops.conv_pool import *  # noqa: F401,F403
from strided.ops.conv_transpose import *  # noqa: F401,F403
from strided.ops.dense import *  # noqa: F401,F403
from strided.ops.dropout import *  # noqa: F401,F403
from strided.ops.losses import *  # noqa: F401,F403
from strided.ops.math import *  # noqa: F401,F403
from strided.ops.normalization import *  # noqa: F401,F403
from strided.ops.pooling import *  # noqa: F401,F403
from strided.ops.reduction import *  # noqa: F401,F403
from strided.ops.shape import *  # noqa: F401,F403
from strided.ops.tensor_methods import install_tensor_methods
from strided.ops.upsampling import *  # noqa: F401,F403

install_tensor_methods()
