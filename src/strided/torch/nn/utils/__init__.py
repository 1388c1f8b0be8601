"""`torch.nn.utils`: gradient clipping and flattening parameters to one vector."""

from strided.torch.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from strided.torch.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
