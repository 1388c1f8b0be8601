"""`torch.return_types.<op>`: the named tuples some functions return (`torch.svd` -> U, S, V), printed
as PyTorch prints them:

    torch.return_types.svd(
    U=tensor(...),
    S=tensor(...),
    V=tensor(...))
"""

import collections


def return_type(op, fields):
    """A named tuple class for `op`'s results with PyTorch's repr."""
    base = collections.namedtuple(op, fields)

    def __repr__(self):  # noqa: N807
        return f"torch.return_types.{op}(\n" + ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"

    return type(op, (base,), {"__repr__": __repr__, "__slots__": (), "__module__": "torch.return_types"})
