"""strided: a readable convolutional-neural-network framework on NumPy.

    import strided as keras
    from strided import layers
"""

from strided import ops
from strided._config import (
    epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format,
)
from strided.autograd import Tensor, Variable, enable_grad, gradcheck, no_grad

__version__ = "0.1.0"
