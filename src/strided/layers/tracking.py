"""Finding the layers and variables a layer holds in its attributes (Keras' auto-tracking).

A subclassed layer or model assigns sub-layers as attributes, possibly inside lists, tuples
or dicts (`self.blocks = [Dense(8), Dense(8)]`); they are found by scanning `__dict__` at
query time, so a list appended to later is still seen.
"""

_CONTAINERS = (list, tuple, dict)
_WEIGHT_LISTS = frozenset({"_trainable_weights", "_non_trainable_weights", "_losses"})


def _leaves_of(value, kinds):
    """Instances of `kinds` in `value` or in the lists/tuples/dicts it holds (any depth)."""
    if isinstance(value, kinds):
        return (value,)
    if not isinstance(value, _CONTAINERS) or not value:
        return ()
    found, stack = [], [iter(value.values() if isinstance(value, dict) else value)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, kinds):
                found.append(item)
            elif isinstance(item, _CONTAINERS) and item:
                stack.append(iter(item.values() if isinstance(item, dict) else item))
                break
        else:
            stack.pop()
    return found


__all__ = []
