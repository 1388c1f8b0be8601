"""`WholeVariableOptimizer`: an optimizer whose step needs each variable whole.

`Optimizer.apply` hands `update_step` cache-sized blocks of the arrays (`blocks.py`), which is
right for elementwise rules. Lamb's trust ratio (||w|| / ||update||) and Adafactor's row and
column means are taken over the whole variable, so here `update_step` receives the whole
arrays, one variable at a time. Everything else (gradient checks, clipping, weight decay, the
iteration count, state) is `Optimizer`'s.
"""

import numpy as np

from strided.optimizers.base import Optimizer
from strided.optimizers.clipping import prepare_gradients


class WholeVariableOptimizer(Optimizer):
    """Base class of optimizers whose `update_step` sees each variable's whole array."""

    def apply(self, grads, variables=None):
        grads = list(grads)
        if variables is None:
            if not self.built:
                raise ValueError("optimizer.apply(grads) without variables: the optimizer is not "
                                 "built yet. Pass the variables: optimizer.apply(grads, variables).")
            variables = self._variables
        variables = list(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                             f"{len(variables)} variables; they must match one to one.")
        if not grads:
            return
        grads, variables = prepare_gradients(self, grads, variables)
        lr = self.learning_rate
        if self.weight_decay:
            for variable in variables:
                if self._use_weight_decay(variable):
                    variable.data *= 1.0 - self.weight_decay * lr
        for gradient, variable in zip(grads, variables):
            slots = self._slots[self._slot_position(variable)]
            gradient = np.asarray(gradient)
            self.update_step(gradient, variable.data, slots, lr, np.empty_like(gradient))
        self.iterations += 1


__all__ = ["WholeVariableOptimizer"]
