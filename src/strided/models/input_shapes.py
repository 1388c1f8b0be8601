"""Checking a model's real inputs against its `Input` shapes, with Keras' one forgiveness.

`adjust_input` adds or drops a last axis of size 1 as Keras does ((N, 28, 28) for an
(N, 28, 28, 1) input) and otherwise raises ValueError naming the model, the input, the
expected and the received shape, and a likely fix (`describe_shape_mismatch`).
"""

import numpy as np

from strided.autograd import Tensor


def adjust_input(value, expected, index, model_name):
    """Check one input's shape against its Input, fixing a missing/extra last axis of size 1.

    As Keras, an array of rank one less than expected gets the size-1 channel axis added
    ((N, 28, 28) -> (N, 28, 28, 1)), and one of rank one more with a last axis of 1 loses it.
    Anything else that does not fit raises ValueError with the expected and received shape.
    """
    from strided import ops

    shape = tuple(value.shape)
    want = expected.shape
    if len(shape) == len(want) - 1 and want and want[-1] == 1:
        value = ops.expand_dims(value, -1) if isinstance(value, Tensor) else np.expand_dims(value, -1)
        shape = tuple(value.shape)
    elif len(shape) == len(want) + 1 and shape and shape[-1] == 1:
        value = ops.squeeze(value, -1) if isinstance(value, Tensor) else np.squeeze(value, -1)
        shape = tuple(value.shape)
    if len(shape) == len(want) and all(w is None or w == s for w, s in zip(want, shape)):
        return value
    raise ValueError(describe_shape_mismatch(shape, want, index, model_name))


def describe_shape_mismatch(shape, want, index, model_name):
    """'Input 0 of model ... expects (None, 28, 28, 1) ... received (32, 784)' plus a likely fix."""
    message = (
        f"Input {index} of model '{model_name}' is incompatible: expected shape {want} "
        f"(None = any size), but received an array of shape {shape}."
    )
    sample = want[1:]
    if tuple(shape) == tuple(sample):
        message += " It looks like a single sample: add the batch axis with x[None] (or np.expand_dims(x, 0))."
    elif len(shape) == len(want) and shape[-1] != want[-1] and want[-1] is not None:
        message += (
            f" The last axis holds {shape[-1]} channel(s) but the model expects {want[-1]}; "
            "check the image format (grayscale vs RGB, channels_last vs channels_first)."
        )
    elif None not in sample and shape and np.prod(shape[1:], dtype=np.int64) == np.prod(sample, dtype=np.int64):
        message += f" Reshape it with x.reshape(-1, {', '.join(str(d) for d in sample)})."
    return message


__all__ = ["adjust_input", "describe_shape_mismatch"]
