"""Differentiable operations on Tensors, with Keras 3 `keras.ops` names and arguments.

Each file is one family; each op is a `Function` (forward and backward on NumPy arrays,
side by side) plus a public function that validates its arguments once, here at the entry.
"""

from strided.ops import image  # noqa: E402,F401  (keras.ops.image)
from strided.ops.activations import *  # noqa: F401,F403
from strided.ops.arithmetic import *  # noqa: F401,F403
from strided.ops.batch_norm import *  # noqa: F401,F403
from strided.ops.batch_norm_fold import *  # noqa: F401,F403
from strided.ops.control_flow import *  # noqa: F401,F403
from strided.ops.conv import *  # noqa: F401,F403
from strided.ops.conv3d import *  # noqa: F401,F403
from strided.ops.conv_pool import *  # noqa: F401,F403
from strided.ops.conv_transpose import *  # noqa: F401,F403
from strided.ops.creation import *  # noqa: F401,F403
from strided.ops.ctc import *  # noqa: F401,F403
from strided.ops.dense import *  # noqa: F401,F403
from strided.ops.depth_space import *  # noqa: F401,F403
from strided.ops.dropout import *  # noqa: F401,F403
from strided.ops.global_pooling import *  # noqa: F401,F403
from strided.ops.joining import *  # noqa: F401,F403
from strided.ops.losses import *  # noqa: F401,F403
from strided.ops.math import *  # noqa: F401,F403
from strided.ops.more_activations import *  # noqa: F401,F403
from strided.ops.normalization import *  # noqa: F401,F403
from strided.ops.numpy_arrays import *  # noqa: F401,F403
from strided.ops.numpy_math import *  # noqa: F401,F403
from strided.ops.pooling import *  # noqa: F401,F403
from strided.ops.pooling3d import *  # noqa: F401,F403
from strided.ops.reduction import *  # noqa: F401,F403
from strided.ops.shape import *  # noqa: F401,F403
from strided.ops.tensor_methods import install_tensor_methods
from strided.ops.upsampling import *  # noqa: F401,F403

install_tensor_methods()

from strided.ops.creation import CallableShapeModule  # noqa: E402

shape.__class__ = CallableShapeModule  # noqa: F405  keras.ops.shape(x); ops.shape.reshape is still the module
