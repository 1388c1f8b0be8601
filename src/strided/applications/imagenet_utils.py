"""What every ImageNet model shares: input preprocessing, decoding predictions, input shapes.

Each pretrained family expects its pixels prepared the way its weights were trained:

* "caffe" (VGG, ResNet50/101): RGB -> BGR, then subtract the ImageNet mean of each channel
  (103.939, 116.779, 123.68 in BGR order); no scaling.
* "tf" (InceptionV3, MobileNetV2): scale [0, 255] to [-1, 1]: `x / 127.5 - 1`.
* "torch" (AlexNet, ResNet18/34 and other torchvision weights): scale to [0, 1], then
  subtract mean (0.485, 0.456, 0.406) and divide by std (0.229, 0.224, 0.225), RGB order.

`decode_predictions` turns a (batch, 1000) probability array into readable labels with the
ImageNet class index (`imagenet_class_index.json`, fetched once into the strided cache).
"""

import json
import os

import numpy as np

from strided import _config
from strided.autograd import Tensor

CLASS_INDEX = None
CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # the hash Keras publishes for this file

_MODES = ("caffe", "tf", "torch")
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Prepare a batch of [0, 255] RGB images for a pretrained ImageNet model.

    Args:
        x: an array or Tensor of images, 3-D (one image) or 4-D (a batch), values in [0, 255].
        data_format: "channels_last" (default from `image_data_format()`) or "channels_first".
        mode: "caffe", "tf" or "torch" (see the module docstring).

    Returns:
        A new float array (floatx for integer input) or, for a Tensor, a Tensor computed with
        differentiable ops. Unlike Keras, the input array is never modified in place.

    Example:
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
        array([1., 1., 1.])
    """
    if mode not in _MODES:
        raise ValueError(
            f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode!r}"
        )
    data_format = _config.standardize_data_format(data_format)
    if isinstance(x, Tensor):
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(_config.floatx())
    x = np.array(x, dtype=dtype, copy=True)
    channel_axis = _channel_axis(x.ndim, data_format, mode)
    if mode == "tf":
        return x / dtype.type(127.5) - dtype.type(1.0)
    if mode == "torch":
        return (
            x / dtype.type(255.0) - _broadcast(_TORCH_MEAN, x.ndim, channel_axis, dtype)
        ) / _broadcast(_TORCH_STD, x.ndim, channel_axis, dtype)
    x = np.flip(x, axis=channel_axis)  # RGB -> BGR
    return x - _broadcast(_CAFFE_MEAN_BGR, x.ndim, channel_axis, dtype)


def _preprocess_tensor(x, data_format, mode):
    from strided import ops

    dtype = np.dtype(x.dtype) if np.issubdtype(x.dtype, np.floating) else np.dtype(_config.floatx())
    if x.dtype != dtype:
        x = ops.cast(x, dtype)
    channel_axis = _channel_axis(x.ndim, data_format, mode)
    if mode == "tf":
        return x / dtype.type(127.5) - dtype.type(1.0)
    if mode == "torch":
        x = x / dtype.type(255.0) - _broadcast(_TORCH_MEAN, x.ndim, channel_axis, dtype)
        return x / _broadcast(_TORCH_STD, x.ndim, channel_axis, dtype)
    key = [slice(None)] * x.ndim
    key[channel_axis] = slice(None, None, -1)
    return x[tuple(key)] - _broadcast(_CAFFE_MEAN_BGR, x.ndim, channel_axis, dtype)


def _channel_axis(ndim, data_format, mode):
    if ndim not in (3, 4):
        raise ValueError(
            f"preprocess_input: expected one image (3-D) or a batch of images (4-D), received an "
            f"array with {ndim} dimensions."
        )
    if mode == "tf":
        return None
    return ndim - 1 if data_format == "channels_last" else ndim - 3


def _broadcast(values, ndim, channel_axis, dtype):
    shape = [1] * ndim
    shape[channel_axis] = len(values)
    return np.asarray(values, dtype=dtype).reshape(shape)


def load_class_index(path=None):
    """The ImageNet class index: {"0": ["n01440764", "tench"], ...}.

    Args:
        path: a JSON file to read instead of the official one (e.g. your own label set).
            Default: the official `imagenet_class_index.json`, looked up in the strided cache
            (`~/.cache/strided/models`) and Keras' cache (`~/.keras/models`), else downloaded once.

    Raises:
        OSError: offline and no copy found; the message names the file and where to put it.
    """
    global CLASS_INDEX
    if path is None and CLASS_INDEX is not None:
        return CLASS_INDEX
    official = path is None
    if official:
        from strided.applications import _weights

        path = _weights.fetch(
            _weights.WeightsFile(CLASS_INDEX_FILE, CLASS_INDEX_URL, md5=CLASS_INDEX_MD5)
        )
    with open(os.fspath(path), encoding="utf-8") as f:
        index = json.load(f)
    if not isinstance(index, dict) or not all(
        isinstance(v, (list, tuple)) and len(v) == 2 for v in index.values()
    ):
        raise ValueError(
            f'{path} is not a class index: expected a JSON object {{"0": ["wnid", "name"], ...}}.'
        )
    if official:
        CLASS_INDEX = index
    return index


def decode_predictions(preds, top=5, class_index=None):
    """The `top` most likely classes of each prediction, as (wnid, name, score) tuples.

    Args:
        preds: (batch, classes) array or Tensor of scores, e.g. a model's softmax output.
        top: how many classes to return per sample.
        class_index: a JSON file or dict {"0": [wnid, name], ...}; default the ImageNet index.

    Returns:
        One list per sample of `(wnid, class_name, score)` tuples, best first.

    Example:
        >>> decode_predictions(model.predict(x))[0][0]  # doctest: +SKIP
        ('n02123045', 'tabby', 0.74)
    """
    preds = np.asarray(preds.numpy() if isinstance(preds, Tensor) else preds)
    if isinstance(class_index, dict):
        index = class_index
    else:
        index = load_class_index(class_index)
    expected = len(index)
    if preds.ndim != 2 or preds.shape[1] != expected:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
            f"(samples, {expected})). Received array with shape: {preds.shape}"
        )
    top = int(top)
    results = []
    for row in preds:
        best = np.argsort(row, kind="stable")[::-1][:top]
        results.append([tuple(index[str(i)]) + (row[i],) for i in best])
    return results


def obtain_input_shape(
    input_shape, default_size, min_size, data_format, require_flatten, weights=None
):
    """Check a model's `input_shape` (or pick the default), as Keras' `obtain_input_shape`.

    Rules: pretrained weights need 3 channels; with `include_top` and pretrained weights the
    default size is required; every given side must be at least `min_size`; without a top the
    default is `(None, None, 3)` (any size).
    """
    channels_first = data_format == "channels_first"
    if input_shape is not None:
        input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if input_shape and len(input_shape) == 3 and weights != "imagenet":
        channels = input_shape[0] if channels_first else input_shape[-1]
        default_shape = (
            (channels, default_size, default_size)
            if channels_first
            else (default_size, default_size, channels)
        )
    else:
        default_shape = (
            (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
        )
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                f"should be {default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(
                "`input_shape` must be a tuple of three integers. "
                f"Received: input_shape={input_shape}"
            )
        channels, rows, cols = (
            (input_shape[0], *input_shape[1:])
            if channels_first
            else (input_shape[2], *input_shape[:2])
        )
        if weights == "imagenet" and channels != 3:
            raise ValueError(
                f"The input must have 3 channels; Received `input_shape={input_shape}`"
            )
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; "
                f"Received: input_shape={input_shape}"
            )
    else:
        input_shape = (
            default_shape
            if require_flatten
            else ((3, None, None) if channels_first else (None, None, 3))
        )
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def correct_pad(inputs, kernel_size, data_format=None):
    """Zero padding ((top, bottom), (left, right)) that makes a stride-2 'valid' convolution
    behave like TensorFlow's 'same' one: one pixel less on top/left when the side is even.
    """
    data_format = _config.standardize_data_format(data_format)
    shape = tuple(inputs.shape)
    size = shape[2:4] if data_format == "channels_first" else shape[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """With pretrained weights the classifier must stay softmax (or None for logits)."""
    if weights is None:
        return
    from strided import activations

    function = activations.get(classifier_activation)
    if function not in (activations.get("softmax"), activations.get(None)):
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the `classifier_activation` "
            "argument when using pretrained weights, with `include_top=True`; Received: "
            f"classifier_activation={classifier_activation!r}"
        )


def decode_imagenet_predictions(preds, top=5):
    """(wnid, name, score) of the `top` ImageNet classes of each prediction: every ImageNet
    application module's `decode_predictions` (Keras' signature, without `class_index`)."""
    return decode_predictions(preds, top=top)


__all__ = [
    "decode_imagenet_predictions",
    "correct_pad",
    "decode_predictions",
    "load_class_index",
    "obtain_input_shape",
    "preprocess_input",
    "validate_activation",
]
