"""`WholeVariableOptimizer`: an optimizer whose step needs each variable whole.

`Optimizer.apply` hands `update_step` cache-sized blocks of the arrays (`blocks.py`), which is
right for elementwise rules. Lamb's trust ratio (||w|| / ||update||) and Adafactor's row and
column means are taken over the whole variable, so here `update_step` receives the whole
arrays, one variable at a time. Everything else (gradient checks, clipping, weight decay, the
iteration count, state) is `Optimizer`'s.
"""

import numpy as np

from strided.optimizers.base import Optimizer


class WholeVariableOptimizer(Optimizer):
    """Base class of optimizers whose `update_step` sees each variable's whole array."""

    def _update_all(self, triples, lr):
        for gradient, weights, slots in triples:
            gradient = np.asarray(gradient)
            self.update_step(gradient, weights, slots, lr, np.empty_like(gradient))


__all__ = ["WholeVariableOptimizer"]
