"""`Optimizer`: parameter groups, per-parameter state, zero_grad, step, and state dicts in
PyTorch's format ({"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}).

Subclasses implement `_update(param, grad, state, group)` with PyTorch's single-tensor
algorithm on NumPy arrays, in place; the state's tensors are strided.torch Tensors so a
state dict has the same keys, shapes and dtypes as PyTorch's ("step" a float32 scalar).
"""

import collections
import copy

import numpy as np

from strided.torch._grad_mode import enable_grad, no_grad
from strided.torch._tensor import Tensor, as_array, wrap_array


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: holds `param_groups` (dicts with "params" and options) and `state` (per parameter).

    Args:
        params: an iterable of Tensors, or of dicts each with "params" and its own options.
        defaults: the options of groups that do not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient (to None, or to zeros with set_to_none=False)."""
        for group in self.param_groups:
            for param in group["params"]:
                if param._node.grad is not None:
                    if set_to_none:
                        param._node.grad = None
                    else:
                        param._node.grad[...] = 0

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure` re-evaluates the loss first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._opt_called = True
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group):
        for param in group["params"]:
            grad = param._node.grad
            if grad is None:
                continue
            self._update(param._node.data, grad, self.state[param], group)

    def _update(self, param, grad, state, group):
        raise NotImplementedError

    # ------------------------------------------------------------ state dicts
    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{options..., "params": [indices]}]} as PyTorch."""
        index_of, groups, next_index = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            indices = []
            for param in group["params"]:
                if id(param) not in index_of:
                    index_of[id(param)] = next_index
                    next_index += 1
                indices.append(index_of[id(param)])
            packed["params"] = indices
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state and self.state[param]:
                    state[index_of[id(param)]] = dict(self.state[param])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and options from `state_dict` (ours or real PyTorch's, by parameter order)."""
        state_dict = copy.deepcopy(_plain(state_dict))
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for own, saved in zip(self.param_groups, saved_groups):
            if len(own["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
        self.state = collections.defaultdict(dict)
        for own, saved in zip(self.param_groups, saved_groups):
            for param, index in zip(own["params"], saved["params"]):
                values = state_dict["state"].get(index, state_dict["state"].get(str(index)))
                if values is None:
                    continue
                restored = {}
                for key, value in values.items():
                    if isinstance(value, (Tensor, np.ndarray)):
                        array = np.array(as_array(value), copy=True)
                        if key != "step" and array.dtype.kind == "f":
                            array = array.astype(param._node.data.dtype)
                        value = wrap_array(array)
                    restored[key] = value
                self.state[param] = restored
            options = {k: v for k, v in saved.items() if k != "params"}
            own.update(options)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state):
        self.__dict__.update(state)


def _plain(value):
    """A state dict with real-PyTorch tensors (if any came in) turned into NumPy arrays."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if not isinstance(value, Tensor) and hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().numpy()  # a torch.Tensor from real PyTorch
    return value


def new_state(array, fill=0.0):
    """A state tensor like the parameter's array (same shape and dtype)."""
    return wrap_array(np.full_like(array, fill))


def step_tensor():
    return wrap_array(np.zeros((), np.float32))


def check(name, value, condition):
    if not condition:
        raise ValueError(f"Invalid {name}: {value}")
