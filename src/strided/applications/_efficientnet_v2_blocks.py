"""The two blocks of EfficientNetV2, as Keras writes them: MBConv and Fused-MBConv.

    Fused-MBConv:  x -> kxk conv (expand, /stride) -> BN -> swish -> 1x1 project -> BN (+ x)
                   (with expansion 1: x -> kxk conv (/stride) -> BN -> swish (+ x))
    MBConv:        x -> 1x1 expand -> BN -> swish -> depthwise kxk (/stride) -> BN -> swish
                   -> squeeze-and-excite -> 1x1 project -> BN (+ x)

Every convolution is "same"-padded (unlike EfficientNet's explicit asymmetric padding), and the
residual branch gets a Dropout with noise_shape (batch, 1, 1, 1) at `survival_probability`
(Keras passes that value as the drop rate; it is 0 for the first block).
"""

from strided import layers
from strided.applications import _builder
from strided.applications.efficientnet import CONV_KERNEL_INITIALIZER


def same_conv(filters, kernel_size, name, strides=1, activation=None, use_bias=False):
    return layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=use_bias,
        activation=activation,
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        name=name,
    )


def batch_norm(name, momentum):
    return layers.BatchNormalization(axis=_builder.channel_axis(), momentum=momentum, name=name)


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if _builder.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = same_conv(filters_se, 1, f"{name}se_reduce", activation=activation, use_bias=True)(se)
    se = same_conv(filters, 1, f"{name}se_expand", activation="sigmoid", use_bias=True)(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, rate, name):
    if strides == 1 and input_filters == output_filters:
        if rate:
            x = layers.Dropout(rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def mbconv_block(
    inputs,
    input_filters,
    output_filters,
    expand_ratio=1,
    kernel_size=3,
    strides=1,
    se_ratio=0.0,
    bn_momentum=0.9,
    activation="swish",
    survival_probability=0.8,
    name="",
):
    """MBConv: expand 1x1 -> depthwise -> squeeze-and-excite -> project 1x1 (+ input)."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = same_conv(filters, 1, f"{name}expand_conv")(x)
        x = batch_norm(f"{name}expand_bn", bn_momentum)(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=False,
        depthwise_initializer=CONV_KERNEL_INITIALIZER,
        name=f"{name}dwconv2",
    )(x)
    x = batch_norm(f"{name}bn", bn_momentum)(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    x = same_conv(output_filters, 1, f"{name}project_conv")(x)
    x = batch_norm(f"{name}project_bn", bn_momentum)(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


def fused_mbconv_block(
    inputs,
    input_filters,
    output_filters,
    expand_ratio=1,
    kernel_size=3,
    strides=1,
    se_ratio=0.0,
    bn_momentum=0.9,
    activation="swish",
    survival_probability=0.8,
    name="",
):
    """Fused-MBConv: one full kxk conv (expand, /stride) -> (squeeze-excite) -> project 1x1."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = same_conv(filters, kernel_size, f"{name}expand_conv", strides=strides)(x)
        x = batch_norm(f"{name}expand_bn", bn_momentum)(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    expanded = expand_ratio != 1
    x = same_conv(
        output_filters,
        1 if expanded else kernel_size,
        f"{name}project_conv",
        strides=1 if expanded else strides,
    )(x)
    x = batch_norm(f"{name}project_bn", bn_momentum)(x)
    if not expanded:
        x = layers.Activation(activation, name=f"{name}project_activation")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


__all__ = ["batch_norm", "fused_mbconv_block", "mbconv_block", "same_conv"]
