"""strided.torch: PyTorch's API over strided's engine, so PyTorch code runs with the import changed.

    import strided.torch as torch
    import strided.torch.nn as nn
    import strided.torch.nn.functional as F

Tensors are NCHW and follow PyTorch's dtype rules (float32 by default, int64 for integer
data, `torch.result_type` promotion); every differentiable operation is an op of
`strided.ops` on strided's autograd tape, the same kernels the Keras front end uses.
strided runs on the CPU: `torch.cuda.is_available()` is False and `.to("cuda")` is refused
with a clear message.

`strided.torch.utils` (data loading) and `save`/`load` load on first use.
"""

# ruff: noqa: F401  (this file re-exports PyTorch's names)

import importlib

from strided import _blas_threads
from strided.torch import _tensor_methods
from strided.torch._comparison import *  # noqa: F401,F403  (eq, lt, logical_and, ...)
from strided.torch._creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from strided.torch._device import device
from strided.torch._dtypes import (
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
    uint16,
    uint32,
    uint64,
)
from strided.torch._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from strided.torch._indexing import *  # noqa: F401,F403  (gather, index_select, masked_fill, ...)
from strided.torch._math import *  # noqa: F401,F403  (add, mul, exp, clamp, eq, where, ...)
from strided.torch._ordering import *  # noqa: F401,F403  (sort, topk, flip, ...)
from strided.torch._random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from strided.torch._reductions import *  # noqa: F401,F403  (sum, mean, max, argmax, ...)
from strided.torch._shaping import *  # noqa: F401,F403  (cat, stack, flatten, reshape, ...)
from strided.torch._tensor import Size, Tensor

_tensor_methods.install()

from strided.torch import (  # noqa: E402
    accelerator,
    autograd,
    backends,
    cuda,
    functional,
    linalg,  # noqa: E402
    nn,
    optim,
)
from strided.torch._math import div as divide  # noqa: E402
from strided.torch._math import div as true_divide  # noqa: E402
from strided.torch._math import mul as multiply  # noqa: E402
from strided.torch._math import sub as subtract  # noqa: E402
from strided.torch._out import with_out as _with_out  # noqa: E402
from strided.torch._tensor_methods import _log_softmax as log_softmax  # noqa: E402
from strided.torch._tensor_methods import _softmax as softmax  # noqa: E402
from strided.torch.functional import (  # noqa: E402  (torch.functional's meshgrid, ... are torch.meshgrid, ...)
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    meshgrid,
)
from strided.torch.linalg import torch_cross as cross  # noqa: E402
from strided.torch.linalg import torch_svd as svd  # noqa: E402

# PyTorch's `out=` on the functions that have it (torch.mul(a, b, out=c) writes into c)
for _name in ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "matmul", "mm",
              "bmm", "dot", "outer", "pow", "neg", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "abs",
              "floor", "ceil", "round", "clamp", "clip", "maximum", "minimum", "remainder", "fmod",
              "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum", "logsumexp",
              "cat", "concat", "concatenate", "stack", "where", "eq", "ne", "lt", "le", "gt", "ge", "cross",
              "rand", "randn", "randint", "zeros", "ones", "empty", "full", "arange", "linspace", "eye"):
    if _name in globals():
        globals()[_name] = _with_out(globals()[_name])
# the in-place functions PyTorch has at module level: torch.sin_(x) is x.sin_()
for _name in ("neg", "exp", "log", "sqrt", "tanh", "sigmoid", "abs", "relu", "floor", "ceil", "trunc", "round",
              "clamp", "clip", "reciprocal", "rsqrt", "square", "sin", "cos", "erf", "log1p", "expm1"):
    globals()[_name + "_"] = getattr(Tensor, _name + "_")
del _name

from strided.torch._legacy import (  # noqa: E402  (torch.FloatTensor([...]), torch.LongTensor(2, 3), ...)
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

__version__ = "2.13.0+strided"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):  # noqa: A002
    return input.numel()


def set_num_threads(n):
    """Use n threads for strided's kernels and BLAS, as PyTorch's intra-op thread count."""
    _blas_threads.set_num_threads(n)


def get_num_threads():
    return _blas_threads.get_num_threads()


def use_deterministic_algorithms(mode, warn_only=False):
    """strided's kernels are deterministic already."""


def compile(model=None, **kwargs):  # noqa: A001
    """No compiler: returns the model (or a decorator returning the function) unchanged."""
    return model if model is not None else (lambda fn: fn)


# Loaded on first use: `torch.utils` (data), `torch.save` / `torch.load` (serialization),
# `torch.distributed` (MPI collectives).
_LAZY_MODULES = ("utils", "serialization", "jit", "onnx", "distributed")
_LAZY_NAMES = {"save": "serialization", "load": "serialization"}


def __getattr__(name):
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"strided.torch.{name}")
        globals()[name] = module
        return module
    if name in _LAZY_NAMES:
        try:
            module = importlib.import_module(f"strided.torch.{_LAZY_NAMES[name]}")
        except ModuleNotFoundError:
            raise AttributeError(f"strided.torch.{name} is not available yet (no strided.torch.serialization)") from None
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'strided.torch' has no attribute {name!r}")
