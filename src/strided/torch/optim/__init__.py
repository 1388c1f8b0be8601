"""`torch.optim`: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta and `lr_scheduler`, as PyTorch's
algorithms updating the parameters' arrays in place.

    from strided.torch import optim
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
"""

from strided.torch.optim import lr_scheduler  # noqa: F401
from strided.torch.optim.adam import Adam, AdamW  # noqa: F401
from strided.torch.optim.optimizer import Optimizer  # noqa: F401
from strided.torch.optim.others import Adadelta, Adagrad, RMSprop  # noqa: F401
from strided.torch.optim.sgd import SGD  # noqa: F401
