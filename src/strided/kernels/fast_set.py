"""The fast kernel set: what every op runs by default (`kernels.dispatch`).

The names below are the ops' kernel interface, shared with `kernels.reference_set`; each is a
fast kernel that computes what its reference does (`kernels.reference`), to float rounding.
GELU comes from `fast.gelu`; sigmoid, SiLU, softplus, log-sigmoid, ELU, SELU and leaky ReLU
from `fast.activation_math`;
activations without a faster form are the reference ones themselves.
"""

# ruff: noqa: F401  (a namespace: every name is re-exported for `kernels.dispatch`)

from strided.kernels.fast.activation_math import (
    elu,
    elu_backward,
    leaky_relu,
    leaky_relu_backward,
    log_sigmoid,
    log_sigmoid_backward,
    selu,
    selu_backward,
    sigmoid,
    sigmoid_backward,
    silu,
    silu_backward,
    softplus,
    softplus_backward,
)
from strided.kernels.fast.activations import relu, relu_backward, softmax
from strided.kernels.fast.batch_norm import Normalization, moments
from strided.kernels.fast.conv import conv2d_backward, conv2d_forward
from strided.kernels.fast.conv_pool import conv_relu_maxpool_backward, conv_relu_maxpool_forward
from strided.kernels.fast.conv_transpose import conv_transpose2d_backward, conv_transpose2d_forward
from strided.kernels.fast.dense import dense_backward, dense_forward
from strided.kernels.fast.depthwise import (
    depthwise_bias_gradient,
    depthwise_conv2d_backward,
    depthwise_conv2d_forward,
)
from strided.kernels.fast.depthwise_planes import (
    depthwise_conv2d_backward_channels_first,
    depthwise_conv2d_forward_channels_first,
)
from strided.kernels.fast.gelu import gelu, gelu_backward
from strided.kernels.fast.linear import linear_backward, linear_forward
from strided.kernels.fast.live_taps import live_crop
from strided.kernels.fast.losses import (
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
    sparse_softmax_cross_entropy_backward,
    sparse_softmax_cross_entropy_forward,
)
from strided.kernels.fast.pointwise_planes import (
    pointwise_planes_backward,
    pointwise_planes_forward,
)
from strided.kernels.fast.pool import (
    max_pool2d_backward,
    max_pool2d_forward,
    sum_pool2d_backward,
    sum_pool2d_forward,
)
from strided.kernels.reference.activations import (  # no faster form
    general_relu,
    general_relu_backward,
    hard_sigmoid,
    hard_sigmoid_backward,
    hard_silu,
    hard_silu_backward,
    log_softmax,
    log_softmax_backward,
    relu6,
    relu6_backward,
    softmax_backward,
    softsign,
    softsign_backward,
    tanh,
    tanh_backward,
)

NAME = "fast"
