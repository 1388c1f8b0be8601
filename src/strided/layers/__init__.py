"""Keras-compatible layers: `from strided import layers; layers.Conv2D(32, 3, activation="relu")`."""

from strided.layers.base import Layer
from strided.layers.input_layer import Input, InputLayer
from strided.layers.activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from strided.layers.conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from strided.layers.conv_transpose import Conv2DTranspose, Convolution2DTranspose
from strided.layers.conv_variants import (
    DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D, SeparableConvolution2D,
)
from strided.layers.core import Activation, Dense, Identity, Lambda
from strided.layers.merge import (
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract,
    add, average, concatenate, maximum, minimum, multiply, subtract,
)
from strided.layers.normalization import BatchNormalization, GroupNormalization, LayerNormalization
from strided.layers.pooling import (
    AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    LPPooling1D, LPPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D,
)
from strided.layers.regularization import Dropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from strided.layers.reshaping import (
    Cropping1D, Cropping2D, Flatten, Permute, Reshape, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D,
)

__all__ = [
    "Layer", "Input", "InputLayer",
    "Dense", "Activation", "Identity", "Lambda",
    "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Conv2DTranspose", "Convolution2DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "SeparableConvolution2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPool1D", "MaxPool2D", "AveragePooling1D", "AveragePooling2D",
    "AvgPool1D", "AvgPool2D", "LPPooling1D", "LPPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise",
    "ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU",
    "Flatten", "Reshape", "Permute", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "UpSampling1D", "UpSampling2D",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate",
]
