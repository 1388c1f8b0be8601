"""parameters_to_vector / vector_to_parameters: all parameters as one flat tensor and back."""

import numpy as np

from strided.torch._shaping import cat


def parameters_to_vector(parameters):
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    offset = 0
    data = vec._node.data
    for p in parameters:
        n = p.numel()
        p._node.data[...] = np.reshape(data[offset:offset + n], p.shape)
        offset += n
