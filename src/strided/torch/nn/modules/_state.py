"""A module's state dict: collecting it under PyTorch's dotted names, and loading one back.

Keys are "<child>.<grandchild>.<name>" for every parameter and persistent buffer, in
registration order; values are detached tensors sharing memory (`keep_vars=True`: the
parameters themselves). Loading copies values in place, by name, checking shapes, and with
`strict=True` reports missing and unexpected keys in PyTorch's words.
"""

import collections

from strided.torch._arrays import as_array

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def collect(module, destination=None, prefix="", keep_vars=False):
    destination = collections.OrderedDict() if destination is None else destination
    for name, param in module._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buffer in module._buffers.items():
        if buffer is not None and name not in module._non_persistent_buffers_set:
            destination[prefix + name] = buffer if keep_vars else buffer.detach()
    for name, child in module._modules.items():
        if child is not None:
            collect(child, destination, prefix + name + ".", keep_vars)
    return destination


def load(module, state_dict, strict=True):
    own = collect(module, keep_vars=True)
    missing = [key for key in own if key not in state_dict]
    unexpected = [key for key in state_dict if key not in own]
    errors = []
    for key, target in own.items():
        if key in state_dict:
            value = as_array(state_dict[key])
            if value.shape != target._node.data.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {_size(value.shape)} from "
                    f"checkpoint, the shape in current model is {_size(target._node.data.shape)}."
                )
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t" + "\n\t".join(errors))
    for key, target in own.items():
        if key in state_dict:
            target._node.data[...] = as_array(state_dict[key]).astype(target._node.data.dtype, copy=False)
    return IncompatibleKeys(missing, unexpected)


def _size(shape):
    return f"torch.Size({list(shape)})"
