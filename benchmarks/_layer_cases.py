"""The layer matrix of `bench_layers.py`: every layer family at a few representative shapes.

Each `Case` builds the same layer three ways -- strided (`strided.layers`), PyTorch
(`torch.nn`) and Keras 3 -- for a data format, with the input shape given channels-last
(N, H, W, C). Shapes are the ones people use (batch 8-128, 16-224 pixels, 3-256 channels),
including the rows of the speed issue (GELU on 128x16x16x256, a 5x5 depthwise convolution on
256 channels, a 3x3 separable one on 128, a 3x3 256->256 convolution on 16x16).
PyTorch's "channels_last" is its channels_last memory format (same NCHW module).
"""

import dataclasses

BOTH = ("channels_last", "channels_first")
NONE = ("-",)  # the layer has no data format (elementwise, Dense, LayerNormalization)


@dataclasses.dataclass
class Case:
    id: str
    family: str
    layer: str  # what is built, for the report
    shape: tuple  # the input, channels-last (N, H, W, C) or (N, features)
    strided: object  # fn(data_format) -> a strided layer
    torch: object  # fn(data_format) -> a torch.nn.Module taking the NCHW (or flat) tensor
    keras: object = None  # fn(data_format) -> a Keras layer, or None
    formats: tuple = BOTH
    trainable: bool = True  # False: preprocessing, inference only


def _fn_module(fn):
    import torch

    class Fn(torch.nn.Module):
        def forward(self, x):
            return fn(x)

    return Fn()


def _keras():
    import keras

    return keras.layers


def _cl(fmt):
    return "channels_last" if fmt in ("-", "channels_last") else "channels_first"


def _conv(case_id, shape, filters, k, strides=1, dilation=1, groups=1, family="conv"):
    from strided import layers as S

    cin = shape[-1]
    desc = f"Conv2D {cin}->{filters} {k}x{k}" + (f" s{strides}" if strides > 1 else "") \
        + (f" d{dilation}" if dilation > 1 else "") + (f" g{groups}" if groups > 1 else "")
    padding = "same" if (strides == 1 or k > 1) else "valid"

    def torch_module(fmt):
        import torch

        return torch.nn.Conv2d(cin, filters, k, stride=strides, padding=(k // 2) * dilation if padding == "same" else 0,
                               dilation=dilation, groups=groups)

    return Case(case_id, family, desc, shape,
                lambda fmt: S.Conv2D(filters, k, strides=strides, padding=padding, dilation_rate=dilation,
                                     groups=groups, data_format=_cl(fmt)),
                torch_module,
                lambda fmt: _keras().Conv2D(filters, k, strides=strides, padding=padding, dilation_rate=dilation,
                                            groups=groups, data_format=_cl(fmt)))


def _activation(name, torch_fn, shape=(32, 16, 16, 256), keras_name=None, case_id=None):
    from strided import layers as S

    return Case(case_id or name, "activation", f"Activation('{name}')", shape,
                lambda fmt: S.Activation(name), lambda fmt: _fn_module(torch_fn),
                lambda fmt: _keras().Activation(keras_name or name), formats=NONE)


def all_cases():
    import torch
    import torch.nn.functional as F

    from strided import layers as S

    nn = torch.nn
    cases = [
        _conv("conv3x3", (32, 16, 16, 256), 256, 3),
        _conv("conv3x3-64", (16, 32, 32, 64), 64, 3),
        _conv("conv1x1", (32, 28, 28, 128), 256, 1),
        _conv("conv1x1-s2", (32, 28, 28, 128), 256, 1, strides=2),
        _conv("conv5x5", (16, 32, 32, 32), 64, 5),
        _conv("conv7x7-s2", (8, 112, 112, 3), 64, 7, strides=2),
        _conv("conv3x3-dilated", (16, 32, 32, 64), 64, 3, dilation=2),
        _conv("conv3x3-grouped", (16, 32, 32, 128), 128, 3, groups=4),
        Case("depthwise5x5", "depthwise", "DepthwiseConv2D 5x5, 256 ch", (16, 32, 32, 256),
             lambda fmt: S.DepthwiseConv2D(5, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.Conv2d(256, 256, 5, padding=2, groups=256),
             lambda fmt: _keras().DepthwiseConv2D(5, padding="same", data_format=_cl(fmt))),
        Case("depthwise3x3-s2", "depthwise", "DepthwiseConv2D 3x3 s2, 96 ch", (16, 56, 56, 96),
             lambda fmt: S.DepthwiseConv2D(3, strides=2, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.Conv2d(96, 96, 3, stride=2, padding=1, groups=96),
             lambda fmt: _keras().DepthwiseConv2D(3, strides=2, padding="same", data_format=_cl(fmt))),
        Case("separable3x3", "separable", "SeparableConv2D 128->128 3x3", (16, 32, 32, 128),
             lambda fmt: S.SeparableConv2D(128, 3, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.Sequential(nn.Conv2d(128, 128, 3, padding=1, groups=128, bias=False), nn.Conv2d(128, 128, 1)),
             lambda fmt: _keras().SeparableConv2D(128, 3, padding="same", data_format=_cl(fmt))),
        Case("depthwise3x3-d2", "depthwise", "DepthwiseConv2D 3x3 d2, 128 ch", (16, 32, 32, 128),
             lambda fmt: S.DepthwiseConv2D(3, dilation_rate=2, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.Conv2d(128, 128, 3, padding=2, dilation=2, groups=128),
             lambda fmt: _keras().DepthwiseConv2D(3, dilation_rate=2, padding="same", data_format=_cl(fmt))),
        Case("separable3x3-s2", "separable", "SeparableConv2D 64->128 3x3 s2", (16, 56, 56, 64),
             lambda fmt: S.SeparableConv2D(128, 3, strides=2, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.Sequential(nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64, bias=False),
                                       nn.Conv2d(64, 128, 1)),
             lambda fmt: _keras().SeparableConv2D(128, 3, strides=2, padding="same", data_format=_cl(fmt))),
        Case("transpose3x3-s2", "transpose", "Conv2DTranspose 128->64 3x3 s2", (16, 16, 16, 128),
             lambda fmt: S.Conv2DTranspose(64, 3, strides=2, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.ConvTranspose2d(128, 64, 3, stride=2, padding=1, output_padding=1),
             lambda fmt: _keras().Conv2DTranspose(64, 3, strides=2, padding="same", data_format=_cl(fmt))),
        Case("maxpool2x2", "pool", "MaxPooling2D 2x2", (32, 32, 32, 64),
             lambda fmt: S.MaxPooling2D(2, data_format=_cl(fmt)), lambda fmt: nn.MaxPool2d(2),
             lambda fmt: _keras().MaxPooling2D(2, data_format=_cl(fmt))),
        Case("avgpool3x3-s2", "pool", "AveragePooling2D 3x3 s2 same", (32, 32, 32, 64),
             lambda fmt: S.AveragePooling2D(3, strides=2, padding="same", data_format=_cl(fmt)),
             lambda fmt: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False),
             lambda fmt: _keras().AveragePooling2D(3, strides=2, padding="same", data_format=_cl(fmt))),
        Case("global-avgpool", "pool", "GlobalAveragePooling2D", (32, 16, 16, 256),
             lambda fmt: S.GlobalAveragePooling2D(data_format=_cl(fmt)),
             lambda fmt: _fn_module(lambda x: x.mean((2, 3))),
             lambda fmt: _keras().GlobalAveragePooling2D(data_format=_cl(fmt))),
        Case("global-maxpool", "pool", "GlobalMaxPooling2D", (32, 16, 16, 256),
             lambda fmt: S.GlobalMaxPooling2D(data_format=_cl(fmt)),
             lambda fmt: _fn_module(lambda x: x.amax((2, 3))),
             lambda fmt: _keras().GlobalMaxPooling2D(data_format=_cl(fmt))),
        Case("batchnorm", "norm", "BatchNormalization, 64 ch", (32, 32, 32, 64),
             lambda fmt: S.BatchNormalization(axis=-1 if _cl(fmt) == "channels_last" else 1),
             lambda fmt: nn.BatchNorm2d(64),
             lambda fmt: _keras().BatchNormalization(axis=-1 if _cl(fmt) == "channels_last" else 1)),
        Case("groupnorm", "norm", "GroupNormalization 8 groups, 64 ch", (16, 32, 32, 64),
             lambda fmt: S.GroupNormalization(8, axis=-1 if _cl(fmt) == "channels_last" else 1),
             lambda fmt: nn.GroupNorm(8, 64),
             lambda fmt: _keras().GroupNormalization(8, axis=-1 if _cl(fmt) == "channels_last" else 1)),
        Case("layernorm", "norm", "LayerNormalization, last axis 256", (32, 16, 16, 256),
             lambda fmt: S.LayerNormalization(), lambda fmt: nn.LayerNorm(256),
             lambda fmt: _keras().LayerNormalization(), formats=NONE),
        _activation("gelu", F.gelu, shape=(128, 16, 16, 256), case_id="gelu-128x16x16x256"),
        _activation("gelu", F.gelu),
        _activation("relu", F.relu),
        _activation("swish", F.silu),
        _activation("softplus", F.softplus),
        _activation("elu", F.elu),
        _activation("selu", F.selu),
        _activation("sigmoid", torch.sigmoid),
        _activation("tanh", torch.tanh),
        _activation("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
        Case("dropout", "dropout", "Dropout(0.5)", (32, 16, 16, 256),
             lambda fmt: S.Dropout(0.5), lambda fmt: nn.Dropout(0.5), lambda fmt: _keras().Dropout(0.5),
             formats=NONE),
        Case("dense", "dense", "Dense 1024->1024", (256, 1024),
             lambda fmt: S.Dense(1024), lambda fmt: nn.Linear(1024, 1024), lambda fmt: _keras().Dense(1024),
             formats=NONE),
        Case("upsampling2x", "resize", "UpSampling2D 2x nearest", (16, 16, 16, 128),
             lambda fmt: S.UpSampling2D(2, data_format=_cl(fmt)), lambda fmt: nn.Upsample(scale_factor=2),
             lambda fmt: _keras().UpSampling2D(2, data_format=_cl(fmt))),
        Case("resizing-bilinear", "preprocessing", "Resizing 32->64 bilinear", (16, 32, 32, 3),
             lambda fmt: S.Resizing(64, 64, data_format=_cl(fmt)),
             lambda fmt: _fn_module(lambda x: F.interpolate(x, size=(64, 64), mode="bilinear")),
             lambda fmt: _keras().Resizing(64, 64, data_format=_cl(fmt)), trainable=False),
        Case("rescaling", "preprocessing", "Rescaling(1/255)", (32, 64, 64, 3),
             lambda fmt: S.Rescaling(1 / 255), lambda fmt: _fn_module(lambda x: x * (1 / 255)),
             lambda fmt: _keras().Rescaling(1 / 255), formats=NONE, trainable=False),
    ]
    return cases
