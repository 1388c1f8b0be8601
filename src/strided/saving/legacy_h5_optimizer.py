"""The optimizer's state in a legacy `.h5` model file (`optimizer_weights`), both ways.

Keras writes the optimizer's variables as one flat list with their names in the group's
`weight_names` attribute:

    Keras 3      adam/iteration, adam/learning_rate, then the slots of the trainable variables
                 in the model's order: adam/sequential_conv2d_kernel_momentum,
                 adam/sequential_conv2d_kernel_velocity, ... (see `_slot_groups`)
    tf.keras 2   Adam/iter:0, then Adam/dense/kernel/m:0 ... (all "m"), Adam/dense/kernel/v:0 ...

strided keeps the same state as `optimizer.get_state()`: {"iterations", "learning_rate",
"<position>/<slot>"}, where position is the variable's place in `model.trainable_weights`.
Reading sorts the file's arrays into slots by their names (so both orders work) and checks each
against the shape of its variable; state that does not fit is left out with a warning, and the
optimizer starts fresh, as Keras does.
"""

import warnings

import numpy as np

# tf.keras 2 slot names -> the Keras 3 (and strided) names
_SLOT_ALIASES = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}


def _slot_of(name, slot_names):
    """The strided slot a weight name belongs to, or None ("iteration", "learning_rate")."""
    parts = [p.split(":")[0] for p in name.split("/") if p]
    last = parts[-1] if parts else ""
    for slot in sorted(slot_names, key=len, reverse=True):  # "velocity_hat" before "velocity"
        if last == slot or last.endswith("_" + slot):
            return slot
    for part in reversed(parts[1:]):  # tf.keras: Adam/dense/kernel/m:0 and Adam/m/dense/kernel:0
        alias = _SLOT_ALIASES.get(part, part)
        if alias in slot_names:
            return alias
    return None


def _finite_scalar(array, low, high):
    array = np.asarray(array)
    return array.size == 1 and bool(np.isfinite(array).all()) and low <= float(array.reshape(())) < high


def read_state(names, arrays, model, source):
    """`optimizer.set_state()` input from the file's (names, arrays), or {} if it does not fit."""
    optimizer = model.optimizer
    slot_names = tuple(getattr(optimizer, "slot_names", ()))
    variables = list(model.trainable_weights)
    state, slots = {}, {slot: [] for slot in slot_names}
    for name, array in zip(names, arrays):
        last = name.split("/")[-1].split(":")[0]
        slot = _slot_of(name, slot_names)
        if slot is not None:
            slots[slot].append(array)
        elif last in ("iteration", "iter", "iterations") and _finite_scalar(array, 0, 2**62):
            state["iterations"] = np.asarray(array).astype(np.int64).reshape(())
        elif last in ("learning_rate", "lr") and _finite_scalar(array, 0, np.inf):
            # stored as float32: keep the config's exact value unless training changed it since
            current = optimizer.learning_rate
            if not (isinstance(current, float) and np.float32(current) == np.float32(array.reshape(()))):
                state["learning_rate"] = np.asarray(array, dtype=np.float64).reshape(())
    problem = None
    for slot, found in slots.items():
        if len(found) != len(variables):
            problem = f"{len(found)} '{slot}' arrays for {len(variables)} trainable weights"
            break
        for position, (array, variable) in enumerate(zip(found, variables)):
            if tuple(array.shape) != tuple(variable.shape):
                problem = (f"'{slot}' of weight {position} has shape {tuple(array.shape)}, "
                           f"the weight {tuple(variable.shape)}")
                break
            state[f"{position}/{slot}"] = array
        if problem:
            break
    if problem:
        warnings.warn(f"'{source}': the saved optimizer state does not fit the model ({problem}); the "
                      "optimizer starts fresh.", stacklevel=4)
        return {}
    return state


def write_state(model):
    """[(name, array)] of the optimizer's state in Keras 3's order and naming; [] if none yet."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "get_state"):
        return []
    state = optimizer.get_state()
    slot_names = tuple(getattr(optimizer, "slot_names", ()))
    variables = list(model.trainable_weights)
    if slot_names and any(f"{p}/{s}" not in state for p in range(len(variables)) for s in slot_names):
        return []  # not trained yet (Keras writes nothing the loader could use either)
    prefix = getattr(optimizer, "name", None) or type(optimizer).__name__.lower()
    entries = [(f"{prefix}/iteration", np.asarray(state["iterations"], dtype=np.int64))]
    if "learning_rate" in state:
        entries.append((f"{prefix}/learning_rate", np.asarray(state["learning_rate"], dtype=np.float32)))
    paths = [f"{model.name}/{getattr(v, 'path', v.name)}".replace("/", "_") for v in variables]
    for group in _slot_groups(optimizer, slot_names):
        for position, path in enumerate(paths):
            for slot in group:
                entries.append((f"{prefix}/{path}_{slot}", np.asarray(state[f"{position}/{slot}"])))
    return entries


# Slots Keras 3 creates in one `add_optimizer_variables` call alternate per variable; every
# other slot has a call of its own and comes for all variables at once (RMSprop: all
# velocities, then all momentums, then all average gradients; Adam: momentum and velocity
# alternating, then all velocity_hats).
_INTERLEAVED = {"Adam": ("momentum", "velocity"), "AdamW": ("momentum", "velocity")}


def _slot_groups(optimizer, slot_names):
    """The slot names grouped in Keras' order: [("momentum", "velocity"), ("velocity_hat",)]."""
    together = ()
    for cls in type(optimizer).__mro__:
        if cls.__name__ in _INTERLEAVED:
            together = tuple(s for s in _INTERLEAVED[cls.__name__] if s in slot_names)
            break
    groups = [together] if together else []
    return groups + [(slot,) for slot in slot_names if slot not in together]


__all__ = ["read_state", "write_state"]
