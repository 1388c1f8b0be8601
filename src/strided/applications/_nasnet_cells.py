"""NASNet-A's two cells, found by architecture search (Zoph et al., 2018, Fig. 4), as Keras builds them.

A cell takes two inputs: the previous cell's output `ip` (called x) and the one before it `p`
("the previous path"). It first brings `p` to `ip`'s grid and width (`adjust_block`), squeezes
`ip` with ReLU -> 1x1 conv -> BN (`h`), then adds pairs of operations on h and p (separable
convolutions, average or max pooling, identity) and concatenates the sums:

    normal cell (same grid):    concat[p, sep5(h)+sep3(p), sep5(p)+sep3(p), avg3(h)+p,
                                       avg3(p)+avg3(p), sep3(h)+h]            -> 6 x filters
    reduction cell (grid / 2):  concat[maxpool(h)+sep7/2(p), avgpool(h)+sep5/2(p),
                                       avg3(x1)+x2, sep3(x1)+maxpool(h)]      -> 4 x filters
                                with x1 = sep5/2(h) + sep7/2(p)

Every separable convolution is `separable_conv_block`: twice ReLU -> SeparableConv2D -> BN.
All names follow Keras' (normal_conv_1_0, separable_conv_1_normal_left1_0, adjust_bn_0, ...;
ReLU, padding, cropping and some additions keep automatic names), since Keras' weight files
are read by layer name. BatchNormalization uses momentum 0.9997 and epsilon 1e-3.
"""

from strided import layers
from strided.applications import imagenet_utils

CHANNEL_AXIS = -1  # NASNet is built in channels_last only, as in Keras
WIDTH_AXIS = -2


def batch_norm(name=None):
    return layers.BatchNormalization(axis=CHANNEL_AXIS, momentum=0.9997, epsilon=1e-3, name=name)


def conv_1x1(filters, name=None):
    return layers.Conv2D(
        filters, (1, 1), padding="same", use_bias=False, name=name, kernel_initializer="he_normal"
    )


def separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """ReLU -> SeparableConv2D (strided, after zero padding, when strides is 2) -> BN, then
    ReLU -> SeparableConv2D -> BN; the layers are named "separable_conv_{1,2}[_bn]_<block_id>"."""
    x = layers.Activation("relu")(ip)
    if tuple(strides) == (2, 2):
        x = layers.ZeroPadding2D(
            padding=imagenet_utils.correct_pad(x, kernel_size),
            name=f"separable_conv_1_pad_{block_id}",
        )(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.SeparableConv2D(
        filters,
        kernel_size,
        strides=strides,
        name=f"separable_conv_1_{block_id}",
        padding=conv_pad,
        use_bias=False,
    )(x)
    x = batch_norm(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(
        filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same", use_bias=False
    )(x)
    return batch_norm(f"separable_conv_2_bn_{block_id}")(x)


def _halve_previous(p, filters, block_id):
    """p on a grid twice as large: two 1x1/2 average pools (the second shifted by one pixel),
    each a 1x1 conv to filters/2, concatenated and normalized (a factorized reduction)."""
    p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
    p1 = layers.AveragePooling2D(
        (1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}"
    )(p)
    p1 = conv_1x1(filters // 2, name=f"adjust_conv_1_{block_id}")(p1)
    p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
    p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
    p2 = layers.AveragePooling2D(
        (1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}"
    )(p2)
    p2 = conv_1x1(filters // 2, name=f"adjust_conv_2_{block_id}")(p2)
    p = layers.concatenate([p1, p2], axis=CHANNEL_AXIS)
    return batch_norm(f"adjust_bn_{block_id}")(p)


def adjust_block(p, ip, filters, block_id=None):
    """The previous path `p` made to match `ip`: `ip` itself if there is none, halved if its
    grid is larger, projected by ReLU -> 1x1 conv -> BN if only its width differs."""
    if p is None:
        return ip
    if p.shape[WIDTH_AXIS] != ip.shape[WIDTH_AXIS]:
        return _halve_previous(p, filters, block_id)
    if p.shape[CHANNEL_AXIS] != filters:
        p = layers.Activation("relu")(p)
        p = conv_1x1(filters, name=f"adjust_conv_projection_{block_id}")(p)
        return batch_norm(f"adjust_bn_{block_id}")(p)
    return p


def _squeeze(ip, filters, kind, block_id):
    """h = ReLU -> 1x1 conv "<kind>_conv_1_<id>" -> BN "<kind>_bn_1_<id>"."""
    h = layers.Activation("relu")(ip)
    h = conv_1x1(filters, name=f"{kind}_conv_1_{block_id}")(h)
    return batch_norm(f"{kind}_bn_1_{block_id}")(h)


def _pool(kind, strides, padding, name):
    pool = layers.AveragePooling2D if kind == "avg" else layers.MaxPooling2D
    return pool((3, 3), strides=strides, padding=padding, name=name)


def normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell (same grid, 6 x `filters` channels); returns (output, ip)."""
    p = adjust_block(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "normal", block_id)
    x1_1 = separable_conv_block(h, filters, (5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = _pool("avg", (1, 1), "same", f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = _pool("avg", (1, 1), "same", f"normal_left4_{block_id}")(p)
    x4_2 = _pool("avg", (1, 1), "same", f"normal_right4_{block_id}")(p)
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate(
        [p, x1, x2, x3, x4, x5], axis=CHANNEL_AXIS, name=f"normal_concat_{block_id}"
    )
    return x, ip


def reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell (grid halved, 4 x `filters` channels); returns (output, ip)."""
    p = adjust_block(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(
        padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}"
    )(h)
    halve = {"strides": (2, 2)}
    x1_1 = separable_conv_block(h, filters, (5, 5), block_id=f"reduction_left1_{block_id}", **halve)
    x1_2 = separable_conv_block(
        p, filters, (7, 7), block_id=f"reduction_right1_{block_id}", **halve
    )
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = _pool("max", (2, 2), "valid", f"reduction_left2_{block_id}")(h3)
    x2_2 = separable_conv_block(
        p, filters, (7, 7), block_id=f"reduction_right2_{block_id}", **halve
    )
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = _pool("avg", (2, 2), "valid", f"reduction_left3_{block_id}")(h3)
    x3_2 = separable_conv_block(
        p, filters, (5, 5), block_id=f"reduction_right3_{block_id}", **halve
    )
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _pool("avg", (1, 1), "same", f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    x5_1 = separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = _pool("max", (2, 2), "valid", f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=CHANNEL_AXIS, name=f"reduction_concat_{block_id}")
    return x, ip


__all__ = []
