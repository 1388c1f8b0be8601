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
and strictly (`safetensors_format`); `.pt`/`.pth`/`.bin` files must be PyTorch's zip format
(torch >= 1.6), whose members are checked like any zip (`safe_zip`: no bombs) before
`torch.load(weights_only=True)` rebuilds only tensors from its restricted unpickler (torch
must be installed). Every failure is a `strided.errors.FileFormatError` naming the file.
"""

import collections
import os
import warnings

import numpy as np

from strided.errors import FileFormatError, file_format_error
from strided.saving.keras_h5 import _leaf_layers, _mismatch_message, _own_variables, _Plan
from strided.saving.safe_zip import check_zip_file
from strided.saving.safetensors_format import read_safetensors


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
            state = _torch_load(torch, path)
    else:
        state, path = source, None
    if not isinstance(state, dict):
        if path is not None:
            raise file_format_error(path, None, "expected a state_dict (a dict of tensors), found "
                                    f"{type(state).__name__}")
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
        if path is not None and not (hasattr(value, "detach") or isinstance(value, np.ndarray)):
            raise file_format_error(path, f"state_dict key {str(key)[:100]!r}", "expected a tensor, found "
                                    f"{type(value).__name__}")
        try:
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
        except (TypeError, RuntimeError) as error:  # e.g. bfloat16, quantized or sparse tensors
            raise file_format_error(path or "<state_dict>", f"state_dict key {str(key)[:100]!r}",
                                    f"a tensor NumPy cannot hold ({error})") from None
        key = str(key).removeprefix("module.")
        result[key] = np.asarray(value)
    return result


def _torch_load(torch, path):
    """torch.load(weights_only=True) of a zip-format file whose members were checked first."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        raise file_format_error(path, None, "not a PyTorch zip file (torch.save since 1.6 writes one): the "
                                "legacy format allocates sizes declared in the file before checking them, "
                                "so strided does not read it. Re-save it with a recent torch.save")
    check_zip_file(path)
    try:
        with warnings.catch_warnings():  # torch warns about the odd protocol numbers of damaged pickles
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location="cpu", weights_only=True)
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - torch raises many types for damaged files
        raise file_format_error(path, None, f"torch.load(weights_only=True) refused it "
                                f"({type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''})"
                                ) from None


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
        strided.errors.FileFormatError (a ValueError): naming every module without a layer, layer
            without a module, shape or type that differs, or what is wrong with the file;
            nothing is assigned then.

    Example:
        >>> model = ResNet18(weights=None)
        >>> names = strided.applications.resnet_basic.torch_names
        >>> load_torch_weights(model, "resnet18-f37072fd.pth", key_map=names)  # doctest: +SKIP
    """
    key_map = key_map or (lambda path: path.replace(".", "_"))
    layers = {layer.name: layer for layer in _leaf_layers(model)}
    plan, used = _Plan(), set()
    name_of_source = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<state_dict>"
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
        except Exception as error:  # noqa: BLE001 - any malformed module is reported, nothing assigned
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
        raise file_format_error(name_of_source, None, _mismatch_message(model, plan.problems, "PyTorch state_dict"))
    plan.apply(name_of_source)


__all__ = ["convert_module", "load_state_dict", "load_torch_weights", "read_safetensors"]
