"""Import PyTorch `state_dict` weights (torchvision ResNet, VGG, MobileNetV2, ...) into strided.

A state_dict maps module paths to tensors: `layer1.0.conv1.weight`, `layer1.0.bn1.running_mean`,
`classifier.6.bias`. Importing it means naming the strided layer of each module and converting
layouts, PyTorch being channels-first:

* Conv2d weight (out, in, kh, kw) -> Conv2D kernel (kh, kw, in, out)            (OIHW -> HWIO)
* depthwise Conv2d (groups=C) weight (C*m, 1, kh, kw) -> DepthwiseConv2D (kh, kw, C, m)
* Linear weight (out, in) -> Dense kernel (in, out)
* BatchNorm2d weight, bias, running_mean, running_var -> gamma, beta, moving_mean,
  moving_variance (`num_batches_tracked` is dropped)
* the first Linear after a flatten: torch flattens (C, H, W), strided (H, W, C), so the rows
  of that Dense kernel are permuted: row (h*W + w)*C + c of strided's kernel is column
  c*H*W + h*W + w of torch's weight.

Files are read without running any pickled code: `.safetensors` files are parsed directly
(8-byte header length, a JSON header, raw little-endian arrays); `.pt`/`.pth`/`.bin` files go
through `torch.load(weights_only=True)`, which only rebuilds tensors (torch must be installed).
"""

import collections
import json
import os
import struct

import numpy as np

from strided.saving.keras_h5 import _leaf_layers, _mismatch_message, _own_variables, _Plan

_SAFETENSORS_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "BOOL": "?",
}


def read_safetensors(path):
    """{name: ndarray} from a .safetensors file, parsed with NumPy only (no code runs)."""
    with open(path, "rb") as f:
        (header_size,) = struct.unpack("<Q", f.read(8))
        if header_size > 100_000_000:
            raise ValueError(f"{path}: not a safetensors file (header size {header_size}).")
        header = json.loads(f.read(header_size))
        data = f.read()
    arrays = collections.OrderedDict()
    entries = sorted(
        ((k, v) for k, v in header.items() if k != "__metadata__"),
        key=lambda kv: kv[1]["data_offsets"][0],
    )
    for name, info in entries:
        if info["dtype"] not in _SAFETENSORS_DTYPES:
            raise ValueError(
                f"{path}: tensor '{name}' has dtype {info['dtype']}, which strided cannot read."
            )
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=_SAFETENSORS_DTYPES[info["dtype"]])
        arrays[name] = array.reshape(info["shape"]).copy()
    return arrays


def load_state_dict(source):
    """A PyTorch state_dict as an ordered {key: float ndarray}.

    Args:
        source: a `.safetensors` file, a `.pt`/`.pth`/`.bin` file saved with `torch.save`
            (read with `torch.load(weights_only=True)`), or a dict of tensors/arrays.
            A checkpoint holding the weights under "state_dict" or "model" is unwrapped, and a
            "module." prefix (DataParallel) is removed.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path.endswith(".safetensors"):
            state = read_safetensors(path)
        else:
            try:
                import torch
            except ImportError:
                raise ImportError(
                    f"Reading the PyTorch file {path} needs torch (pip install torch), "
                    "or convert it to "
                    ".safetensors, which strided reads without torch."
                ) from None
            state = torch.load(path, map_location="cpu", weights_only=True)
    else:
        state = source
    if not isinstance(state, dict):
        raise TypeError(
            f"Expected a state_dict (a dict of tensors), received {type(state).__name__}."
        )
    for key in ("state_dict", "model"):
        inner = state.get(key)
        if isinstance(inner, dict) and inner and all(hasattr(v, "shape") for v in inner.values()):
            state = inner
            break
    result = collections.OrderedDict()
    for key, value in state.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        key = key.removeprefix("module.")
        result[key] = np.asarray(value)
    return result


def _modules(state):
    """{module path: {parameter name: array}} in the state_dict's order."""
    modules = collections.OrderedDict()
    for key, value in state.items():
        prefix, _, parameter = key.rpartition(".")
        modules.setdefault(prefix, {})[parameter] = value
    return modules


def _flatten_source_shape(layer):
    """(H, W, C) of the image a Dense layer's input was flattened from, or None."""
    nodes = getattr(layer, "_inbound_nodes", None)
    current = layer
    while nodes:
        inputs = nodes[0].input_tensors
        if len(inputs) != 1 or inputs[0]._keras_history is None:
            return None
        producer = inputs[0]._keras_history[0]
        kind = type(producer).__name__
        if kind == "Flatten":
            source = producer._inbound_nodes[0].input_tensors[0].shape
            if (
                len(source) == 4
                and getattr(producer, "data_format", "channels_last") == "channels_last"
            ):
                return tuple(source[1:])
            return None
        if kind not in ("Dropout", "Activation", "ReLU", "Identity") or producer is current:
            return None
        current, nodes = producer, producer._inbound_nodes
    return None


def convert_module(layer, params):
    """The arrays of one torch module, in the order and layout of `layer.weights`."""
    kind = type(layer).__name__
    weight, bias = params.get("weight"), params.get("bias")
    if kind == "BatchNormalization":
        arrays = [a for a in (weight, bias) if a is not None]
        return arrays + [params["running_mean"], params["running_var"]]
    if kind == "DepthwiseConv2D":
        channels_times_multiplier, _, kh, kw = weight.shape
        channels = layer.weights[0].shape[2]
        kernel = weight.reshape(channels, channels_times_multiplier // channels, kh, kw).transpose(
            2, 3, 0, 1
        )
        return [kernel] + ([bias] if bias is not None else [])
    if weight is not None and weight.ndim == 4:
        return [weight.transpose(2, 3, 1, 0)] + ([bias] if bias is not None else [])
    if weight is not None and weight.ndim == 2:
        kernel = weight.T
        image = _flatten_source_shape(layer)
        if image is not None and None not in image and int(np.prod(image)) == weight.shape[1]:
            height, width, channels = image
            kernel = (
                weight.reshape(-1, channels, height, width)
                .transpose(2, 3, 1, 0)
                .reshape(-1, weight.shape[0])
            )
        return [kernel] + ([bias] if bias is not None else [])
    return [params[name] for name in params if name != "num_batches_tracked"]


def load_torch_weights(model, source, key_map=None, skip_mismatch=False):
    """Copy a PyTorch state_dict into a strided model of the same architecture.

    Args:
        model: a built strided Model.
        source: see `load_state_dict` (file or dict).
        key_map: callable `module path -> strided layer name` ("layer1.0.conv1" ->
            "conv2_block1_1_conv"), returning None for modules to ignore. Default: the path with
            dots replaced by underscores.
        skip_mismatch: skip (with a warning) what does not match instead of raising.

    Raises:
        ValueError: naming every module without a layer, layer without a module, or shape that
            differs; nothing is assigned then.

    Example:
        >>> model = ResNet18(weights=None)
        >>> names = strided.applications.resnet_basic.torch_names
        >>> load_torch_weights(model, "resnet18-f37072fd.pth", key_map=names)  # doctest: +SKIP
    """
    key_map = key_map or (lambda path: path.replace(".", "_"))
    layers = {layer.name: layer for layer in _leaf_layers(model)}
    plan, used = _Plan(), set()
    for path, params in _modules(load_state_dict(source)).items():
        name = key_map(path)
        if name is None:
            continue
        layer = layers.get(name)
        if layer is None:
            (plan.skipped if skip_mismatch else plan.problems).append(
                f"torch module '{path}': no layer named '{name}' in the model"
            )
            continue
        used.add(name)
        try:
            arrays = convert_module(layer, params)
        except (KeyError, ValueError) as error:
            plan.problems.append(
                f"torch module '{path}' -> layer '{name}': cannot convert ({error})"
            )
            continue
        plan.match(
            f"torch module '{path}' -> layer '{name}'", _own_variables(layer), arrays, skip_mismatch
        )
    for name in layers:
        if name not in used:
            (plan.skipped if skip_mismatch else plan.problems).append(
                f"layer '{name}': no torch module maps to it"
            )
    if plan.problems:
        raise ValueError(_mismatch_message(model, plan.problems, "PyTorch state_dict"))
    plan.apply()


__all__ = ["convert_module", "load_state_dict", "load_torch_weights", "read_safetensors"]
