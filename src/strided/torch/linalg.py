"""`torch.linalg` (and `torch.cross`, `torch.svd`): the cross product, differentiable (it is made of
products and differences), and the singular value decomposition (values only, no gradient: a
tensor that requires one gets a clear error).
"""

import warnings

import numpy as np

from strided.autograd import is_grad_enabled
from strided.torch._return_types import return_type
from strided.torch._tensor import Tensor, wrap_array

SVDResult = return_type("linalg_svd", ["U", "S", "Vh"])
LegacySVDResult = return_type("svd", ["U", "S", "V"])


def cross(input, other, *, dim=-1, out=None):  # noqa: A002 - PyTorch's argument name
    """The cross product of 3-vectors along `dim` (broadcast over the other dimensions)."""
    from strided.torch._shaping import stack

    size = input.shape[dim] if -input.dim() <= dim < input.dim() else None
    if size != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {size} and "
                           f"{other.shape[dim] if -other.dim() <= dim < other.dim() else None}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    parts = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    return stack(parts, dim=dim % max(input.dim(), other.dim()))


def torch_cross(input, other, dim=None, *, out=None):  # noqa: A002
    """`torch.cross`: as linalg.cross, but `dim` defaults to the first dimension of size 3 (with
    PyTorch's deprecation warning)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
                      "agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape {tuple(input.shape)}")
    return cross(input, other, dim=dim)


def _svd_arrays(A, full_matrices, name):
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(A).__name__}")
    if A.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if is_grad_enabled() and A._node.requires_grad:
        raise NotImplementedError(f"{name}: strided has no gradient for the SVD; call it on A.detach() or "
                                  "inside torch.no_grad().")
    return np.linalg.svd(A._node.data, full_matrices=full_matrices)


def svd(A, full_matrices=True, *, driver=None, out=None):  # noqa: N803 - PyTorch's argument name
    """`torch.linalg.svd`: (U, S, Vh) with A = U diag(S) Vh."""
    u, s, vh = _svd_arrays(A, full_matrices, "linalg.svd")
    return SVDResult(wrap_array(u), wrap_array(s), wrap_array(vh))


def svdvals(A, *, driver=None, out=None):  # noqa: N803
    """The singular values of A, in descending order."""
    return svd(A, full_matrices=False).S


def torch_svd(input, some=True, compute_uv=True, *, out=None):  # noqa: A002
    """`torch.svd`: (U, S, V) with input = U diag(S) V^T (reduced unless some=False)."""
    u, s, vh = _svd_arrays(input, not some, "svd")
    v = np.swapaxes(vh, -1, -2)
    if not compute_uv:
        u, v = np.zeros_like(u), np.zeros_like(v)
    return LegacySVDResult(wrap_array(np.ascontiguousarray(u)), wrap_array(s), wrap_array(np.ascontiguousarray(v)))


__all__ = ["cross", "svd", "svdvals"]
