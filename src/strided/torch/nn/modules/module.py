"""`nn.Module`: the base of every layer and model, as PyTorch's.

Assigning a Parameter, a Module or (via `register_buffer`) a buffer as an attribute
registers it, in order, so `parameters()`, `state_dict()` and `repr` find it. `__call__`
runs the forward pre-hooks, `forward`, and the forward hooks. State-dict keys and layouts are
PyTorch's ("layer1.0.weight" of shape (out, in, kh, kw), BatchNorm's "running_mean",
"running_var", "num_batches_tracked"), so weights move between strided and PyTorch by name.
"""

import itertools

from strided.torch import _dtypes
from strided.torch._device import check_device
from strided.torch._grad_mode import no_grad
from strided.torch._tensor import Tensor, wrap_array
from strided.torch.nn.modules import _state
from strided.torch.nn.parameter import Buffer, Parameter


class Module:
    """Base class for all neural network modules; subclasses define `__init__` and `forward`.

    Examples:
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc.weight', 'fc.bias']
    """

    training = True
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_forward_pre_hooks", {})

    def _check_initialised(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call: call super().__init__() first "
                f"in {type(self).__name__}.__init__"
            )

    # ------------------------------------------------------------- attributes
    # As PyTorch's: a name keeps its place in its store when it is set again (a dict assignment
    # replaces in place); it moves to the end only when it changes store (a Parameter over a
    # child module, say) or after `del`. Setting None over a registered name keeps the key.
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter):
            self._check_initialised("parameters")
            self._remove_from(name, self.__dict__, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' (torch.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._check_initialised("module")
            self._remove_from(name, self.__dict__, self._parameters, self._buffers)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' (torch.nn.Module or None expected)"
                )
            modules[name] = value
        elif isinstance(value, Buffer) or buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(torch.nn.Buffer, torch.Tensor or None expected)"
                )
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name, *stores):
        for store in stores:
            store.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))

    def _claim_name(self, kind, name, store):
        """PyTorch's checks on a name to register: a str, no ".", not empty, not taken elsewhere.

        A name already in `store` is replaced in place. A name held by another store (a child
        module's name given to `register_buffer`, say) or by the class (a method, `training`)
        raises PyTorch's KeyError. A plain instance attribute is taken over, where PyTorch
        raises: strided's own modules write `self.bias = None` before `register_parameter`.
        """
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if name in store:
            return
        others = [other for other in (self._parameters, self._buffers, self._modules) if other is not store]
        if any(name in other for other in others) or hasattr(type(self), name):
            raise KeyError(f"attribute '{name}' already exists")
        self.__dict__.pop(name, None)

    def register_parameter(self, name, param):
        """Add (or replace, keeping its place) the parameter `name`; None keeps the key, empty."""
        self._check_initialised("parameter")
        self._claim_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' (torch.nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is part of the module's state (saved, moved) but not trained."""
        self._check_initialised("buffer")
        self._claim_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (torch Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = wrap_array(tensor._node.data)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add (or replace, keeping its place) the child module `name`; None keeps the key, empty."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_initialised("module")
        self._claim_name("module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        path, _, name = target.rpartition(".")
        return getattr(self.get_submodule(path), name)

    def get_buffer(self, target):
        path, _, name = target.rpartition(".")
        return self.get_submodule(path)._buffers[name]

    # ---------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_hook(self, hook):
        return _Handle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        return _Handle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------ traversing
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or remove_duplicate and id(value) in seen:
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn on every submodule (children first) and on self, as PyTorch's `apply`."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---------------------------------------------------------------- modes
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if param._node.grad is not None:
                if set_to_none:
                    param._node.grad = None
                else:
                    param._node.grad[...] = 0

    # ------------------------------------------------------- state dict
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer by PyTorch's dotted name (detached, shared)."""
        if args:
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
        return _state.collect(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values in by name; `strict` raises on missing or unexpected keys (PyTorch's message)."""
        return _state.load(self, state_dict, strict)

    # ---------------------------------------------------------- conversion
    def _apply_to_tensors(self, convert):
        with no_grad():
            for module in self.modules():
                for store in (module._parameters, module._buffers):
                    for tensor in store.values():
                        if tensor is None:
                            continue
                        array = convert(tensor._node.data)
                        if array is not tensor._node.data:
                            tensor._node.data = array
                            if tensor._node.grad is not None:
                                tensor._node.grad = convert(tensor._node.grad)
        return self

    def to(self, *args, **kwargs):
        """`to(device)` (the CPU only) or `to(dtype)` for the floating point parameters and buffers."""
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for arg in args:
            if isinstance(arg, _dtypes.dtype):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            else:
                device = arg
        check_device(device)
        if dtype is not None:
            numpy_dtype = _dtypes.to_numpy_dtype(dtype)
            self._apply_to_tensors(lambda a: a.astype(numpy_dtype) if a.dtype.kind == "f" and a.dtype != numpy_dtype else a)
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        check_device("cuda")

    def float(self):
        return self.to(_dtypes.float32)

    def double(self):
        return self.to(_dtypes.float64)

    def half(self):
        return self.to(_dtypes.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    # ------------------------------------------------------------------ repr
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        head = self._get_name() + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __getstate__(self):
        return self.__dict__


def _typename(value):
    """The type's name as `torch.typename` gives it ("torch.FloatTensor", "int", "pkg.mod.Class")."""
    if isinstance(value, Tensor):
        return value.type()
    named = value if hasattr(value, "__qualname__") else type(value)
    module = getattr(named, "__module__", "") or ""
    return named.__qualname__ if module in ("", "builtins") else f"{module}.{named.__qualname__}"


class _Handle:
    """What register_*_hook returns: `.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks, hook):
        self.hooks, self.id = hooks, next(self._ids)
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


