"""Small argument helpers shared by ops and layers (stdlib + numpy only)."""

import numbers


def normalize_tuple(value, n, name, allow_zero=False):
    """Turn an int or a sequence of n ints into a tuple of n ints, as Keras' `standardize_tuple`.

    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
    """
    smallest = 0 if allow_zero else 1
    if type(value) is tuple and len(value) == n and all(type(v) is int and v >= smallest for v in value):
        return value  # already normalised (the common case on every call of an op)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        result = (int(value),) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            raise TypeError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. Received: {name}={value!r}"
            ) from None
        if len(result) != n or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in result
        ):
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} ints. Received: {name}={value!r}"
            )
        result = tuple(int(v) for v in result)
    if any(v < smallest for v in result):
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The `{name}` argument must be {req}. Received: {name}={value!r}")
    return result
