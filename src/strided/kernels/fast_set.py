"""The fast kernel set: what every op runs by default (`kernels.dispatch`).

The names below are the ops' kernel interface, shared with `kernels.reference_set`; each is a
fast kernel that computes what its reference does (`kernels.reference`), to float rounding.
Conv2D runs by im2col (`fast.conv`) or, for 3x3 stride-1 convolutions where a cost model says
it pays, by Winograd F(2x2, 3x3) (`fast.winograd`), chosen in `fast.conv_methods`. GELU comes
from `fast.gelu`; sigmoid, SiLU, softplus, log-sigmoid, ELU, SELU and leaky ReLU
from `fast.activation_math`;
activations without a faster form are the reference ones themselves.
Layer and group norm come from `fast.layer_norm` and `fast.group_norm`, global pooling from
`fast.global_pooling`; `standardize` (any other view) has no faster form.
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
from strided.kernels.fast.conv_methods import conv2d_backward, conv2d_forward  # im2col or Winograd
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
from strided.kernels.fast.global_pooling import (
    global_average_pool_backward,
    global_average_pool_forward,
    global_max_pool_backward,
    global_max_pool_forward,
)
from strided.kernels.fast.group_norm import group_norm_backward, group_norm_forward
from strided.kernels.fast.layer_norm import layer_norm_backward, layer_norm_forward
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
from strided.kernels.reference.normalization import (  # no faster form (any view, any axes)
    standardize,
    standardize_backward,
)

NAME = "fast"
