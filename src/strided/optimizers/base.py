"""`Optimizer`: the shared machinery of every optimizer (Keras 3 `BaseOptimizer`).

One training step, `optimizer.apply(grads, variables)`, does what Keras does, in this order:

1. drop variables without a gradient (warn), check shapes;
2. clip the gradients: `clipnorm` (each gradient separately), `global_clipnorm` (all together)
   or `clipvalue` (elementwise);
3. decoupled weight decay: `w -= w * weight_decay * lr` (AdamW-style, applied before the step);
4. `update_step(...)` of the subclass, which changes `variable.data` IN PLACE, called on
   cache-sized blocks of the arrays shared by the kernel threads (`optimizers/blocks.py`);
5. `iterations += 1`.

Per-variable state ("slots": momentum, velocity, ...) lives in NumPy arrays keyed by the
variable's POSITION in the list the optimizer was first applied to, so `get_state()` /
`set_state()` move it to a freshly loaded model and training resumes identically.

Hot path: only float32 (the variables' dtype) arrays; every coefficient is a Python float,
which NumPy treats as "weak" and never upcasts to float64.
"""

import math
import warnings

import numpy as np

from strided.optimizers import schedules
from strided.optimizers.blocks import update_in_blocks
from strided.optimizers.clipping import prepare_gradients


def _check_non_negative(name, value):
    if value is not None and (not isinstance(value, (int, float)) or value < 0):
        raise ValueError(f"Invalid {name}: {value!r}. Expected a float >= 0 or None.")


class Optimizer:
    """Base class: learning rate (float or schedule), clipping, weight decay, state, config.

    Subclasses define `slot_names` (per-variable state arrays, created as zeros) and
    `update_step(gradient, variable, slots, learning_rate, scratch)`, which updates the arrays
    in place, elementwise (it may be given any block of them); `scratch` is a free array of
    the gradient's shape and dtype for temporaries.

    Args:
        learning_rate: a float >= 0, a `schedules.LearningRateSchedule` (called with the
            iteration count) or a callable with no arguments.
        weight_decay: float or None. Decoupled decay `w -= w * weight_decay * lr` every step.
        clipnorm: float or None. Rescale each gradient so its L2 norm is at most this.
        clipvalue: float or None. Clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: float or None. Rescale all gradients together so their joint L2 norm
            is at most this. Only one of the three clipping arguments may be set.
        loss_scale_factor: float or None. Gradients are divided by it before anything else.
        name: the optimizer's name.

    Example:
        >>> opt = strided.optimizers.SGD(learning_rate=0.1)
        >>> w = strided.Variable(np.ones(3))
        >>> opt.apply([np.ones(3)], [w])
        >>> w.numpy()
        array([0.9, 0.9, 0.9], dtype=float32)
    """

    slot_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=2)
        if "lr" in kwargs:  # tf.keras 2 spelling
            learning_rate = kwargs.pop("lr")
        if kwargs:
            raise TypeError(f"{type(self).__name__}: argument(s) not recognized: {sorted(kwargs)}")
        if use_ema:
            raise NotImplementedError(f"{type(self).__name__}: use_ema=True is not supported.")
        if gradient_accumulation_steps:
            raise NotImplementedError(
                f"{type(self).__name__}: gradient_accumulation_steps is not supported."
            )
        for arg, value in (("weight_decay", weight_decay), ("clipnorm", clipnorm),
                           ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            _check_non_negative(arg, value)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = False
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = None
        self.iterations = 0
        self._learning_rate = None
        self.learning_rate = learning_rate
        self._index = {}          # id(variable) -> position
        self._variables = []      # the variables, by position
        self._slots = []          # per position: {slot name: ndarray}
        self._pending_state = None
        self._exclude_ids, self._exclude_pattern = set(), None

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self):
        """The learning rate of the next step, as a Python float."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        if callable(lr):
            return float(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` as its learning rate, "
                "hence its learning rate is not settable. Create it with a float learning_rate."
            )
        try:
            lr = float(np.asarray(value.data if hasattr(value, "data") else value))
        except (TypeError, ValueError):
            raise ValueError(f"Invalid learning rate: {value!r}") from None
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"Invalid learning rate: {value!r}. Expected a finite float >= 0.")
        self._learning_rate = lr

    # ------------------------------------------------------------------------ slots
    def build(self, variables):
        """Create the per-variable state for `variables` (called by the first `apply`)."""
        for variable in variables:
            self._slot_position(variable)

    @property
    def built(self):
        return bool(self._variables)

    def _slot_position(self, variable):
        key = id(variable)
        position = self._index.get(key)
        if position is None:
            position = len(self._variables)
            self._index[key] = position
            self._variables.append(variable)
            data = variable.data
            self._slots.append({name: self.initial_slot(name, data) for name in self.slot_names})
            if self._pending_state is not None:
                self._load_slots(position)
        return position

    def initial_slot(self, name, data):
        """The starting value of slot `name` for a variable holding `data` (zeros)."""
        return np.zeros_like(data)

    @property
    def variables(self):
        """The optimizer's state arrays: the iteration count, then every slot (Keras order)."""
        arrays = [np.array(self.iterations, dtype=np.int64)]
        for name in self.slot_names:
            arrays.extend(slots[name] for slots in self._slots)
        return arrays

    # ------------------------------------------------------------------ weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or for names containing any of `var_names`."""
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = tuple(var_names) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        name = str(getattr(variable, "name", "") or "")
        return not (self._exclude_pattern and any(p in name for p in self._exclude_pattern))

    # ---------------------------------------------------------------------- the step
    def update_step(self, gradient, variable, slots, learning_rate, scratch):
        """Update `variable` (an ndarray) in place from `gradient`; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step")

    def apply_gradients(self, grads_and_vars):
        """Keras' `apply_gradients(zip(grads, variables))`; returns the iteration count."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self.iterations

    def apply(self, grads, variables=None):
        """One optimization step: update each variable in place from its gradient.

        Args:
            grads: list of ndarrays / Tensors / None, one per variable (same order).
            variables: list of `Variable`s; may be omitted after the first call.
        """
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
        triples = [(gradient, variable.data, self._slots[self._slot_position(variable)])
                   for gradient, variable in zip(grads, variables)]
        self._update_all(triples, lr)
        self.iterations += 1

    def _update_all(self, triples, lr):
        """Run `update_step` on every (gradient, weights, slots): in cache-sized blocks shared by
        the kernel threads (`blocks.py`; right for elementwise rules)."""
        update_in_blocks(self.update_step, triples, lr)

    # ------------------------------------------------------------------------ state
    def get_state(self):
        """All state needed to resume: {"iterations", "learning_rate", "<position>/<slot>"}."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        if isinstance(self._learning_rate, float):
            state["learning_rate"] = np.array(self._learning_rate, dtype=np.float64)
        for position, slots in enumerate(self._slots):
            for name, array in slots.items():
                state[f"{position}/{name}"] = array.copy()
        return state

    def set_state(self, state):
        """Restore `get_state()` output. Slots of variables not seen yet load on first use."""
        state = {str(k): np.asarray(v) for k, v in dict(state).items()}
        if "iterations" in state:
            self.iterations = int(state["iterations"])
        if "learning_rate" in state and isinstance(self._learning_rate, float):
            self._learning_rate = float(state["learning_rate"])
        self._pending_state = state
        for position in range(len(self._slots)):
            self._load_slots(position)

    def _load_slots(self, position):
        for name, array in self._slots[position].items():
            saved = self._pending_state.get(f"{position}/{name}")
            if saved is None:
                continue
            if saved.shape != array.shape:
                raise ValueError(
                    f"{type(self).__name__}.set_state: slot '{position}/{name}' has shape "
                    f"{saved.shape} in the saved state but the variable at position {position} "
                    f"has shape {array.shape}. The model does not match the saved optimizer."
                )
            array[...] = saved

    # ----------------------------------------------------------------------- config
    def get_config(self):
        """The constructor arguments as a JSON-serialisable dict (Keras 3 keys)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            lr = float(lr())
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor, "gradient_accumulation_steps": None,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an optimizer (without its state) from `get_config()` output."""
        config = dict(config)
        for legacy in ("is_legacy_optimizer", "jit_compile"):  # tf.keras 2 configs
            config.pop(legacy, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate:g}>"
