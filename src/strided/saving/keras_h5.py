"""Read Keras weight files with h5py: Keras 3 `.weights.h5` and legacy `.h5`.

Two layouts exist in the wild.

Keras 3 (`model.save_weights("m.weights.h5")`, also inside a `.keras` zip as
`model.weights.h5`) keys each layer by its *class*, numbered per container in `model.layers`
order, not by its name::

    layers/conv2d/vars/0            kernel (kh, kw, cin, cout)
    layers/conv2d/vars/1            bias
    layers/conv2d_1/vars/0          the second Conv2D of the model
    layers/batch_normalization/vars/0..3   gamma, beta, moving_mean, moving_variance
    layers/functional/layers/dense/vars/0  a layer inside a nested model

Keras >= 3.6 also stores the layer's name as an attribute of each `vars` group.

Legacy Keras 2 (`.h5`, e.g. the published ImageNet files) keys layers by name: the root (or
its `model_weights` group) lists `layer_names`; each layer group lists `weight_names`, e.g.
`block1_conv1/kernel:0`, in the layer's weight order.

Both hold arrays in exactly the layouts strided uses, so loading is matching and copying.
The file is read whole by `safe_h5.read_tree` first (nothing outside it, only numeric arrays,
sizes checked), and the matching is checked completely (count, shape and type of every weight)
before anything is assigned, so a failed load leaves the model untouched. Every failure is a
`strided.errors.FileFormatError` naming the file.
"""

import logging
import os
import zipfile

import numpy as np

from strided._naming import to_snake_case
from strided.errors import file_format_error
from strided.saving.safe_h5 import H5Group, read_tree
from strided.saving.safe_zip import SafeZip
from strided.saving.weight_checks import as_weight

logger = logging.getLogger("strided.saving")


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading Keras .h5 weight files needs h5py: pip install h5py") from None
    return h5py


# ----------------------------------------------------------------------------- the model side
def _sublayers(layer):
    """The layers a Keras file lists under `layers/` for this layer (containers only)."""
    layers = getattr(layer, "layers", None)
    return list(layers) if isinstance(layers, (list, tuple)) else None


def _own_variables(layer):
    own = getattr(layer, "_own_variables", None)
    return list(own()) if own is not None else list(layer.weights)


def _legacy_weights(layer):
    """Keras 2's order for one entry of a legacy file: trainable weights, then the others."""
    weights = list(layer.weights)
    trainable = [w for w in weights if getattr(w, "trainable", True)]
    return trainable + [w for w in weights if not getattr(w, "trainable", True)]


def _leaf_layers(model):
    """Every layer owning weights, in `layers` order, nested models flattened."""
    result = []
    for layer in _sublayers(model) or []:
        if _sublayers(layer) is not None:
            result.extend(_leaf_layers(layer))
        elif layer.weights:
            result.append(layer)
    return result


class _Plan:
    """Pairs (variable, array) collected before anything is assigned, plus what went wrong."""

    def __init__(self):
        self.pairs, self.problems, self.skipped, self.places = [], [], [], []

    def match(self, where, variables, arrays, skip_mismatch, layer=None):
        arrays = list(arrays)
        if len(variables) != len(arrays):
            problem = (
                f"{where}: the model's layer has {len(variables)} weight(s) "
                f"{[tuple(v.shape) for v in variables]}, the file has {len(arrays)} "
                f"{[tuple(a.shape) for a in arrays]}"
            )
            (self.skipped if skip_mismatch else self.problems).append(problem)
            return
        for variable, array in zip(variables, arrays):
            if tuple(variable.shape) != tuple(array.shape):
                problem = (
                    f"{where}: weight '{variable.name}' has shape {tuple(variable.shape)} "
                    f"in the model but {tuple(array.shape)} in the file"
                )
                (self.skipped if skip_mismatch else self.problems).append(problem)
                return
        self.pairs.extend(zip(variables, arrays))
        self.places.extend(f"{where}, weight '{v.name}'" for v in variables)

    def apply(self, file="<state_dict>"):
        """Check and convert every weight, then assign them all (nothing if one is bad)."""
        ready = [(variable, as_weight(array, variable, file, place))
                 for (variable, array), place in zip(self.pairs, self.places)]
        for variable, value in ready:
            variable.assign(value)
        for problem in self.skipped:
            logger.warning("Skipped while loading weights: %s", problem)


# ------------------------------------------------------------------------------- Keras 3 files
def _vars_of(group):
    """The arrays of a `vars` group, in index order."""
    if not isinstance(group, H5Group) or not isinstance(group.get("vars"), H5Group):
        return []
    vars_group = group["vars"]
    keys = vars_group.keys()
    if not all(key.isdigit() for key in keys):
        raise file_format_error(vars_group.file, f"HDF5 group '{vars_group.name}'",
                                f"expected datasets named 0, 1, 2, ..., found {sorted(keys)[:5]}")
    return [np.asarray(vars_group[key]) for key in sorted(keys, key=int)]


def _structural_plan(model, group, skip_mismatch, path="layers"):
    """Match layers the way Keras 3 does: class name + running number within each container."""
    plan = _Plan()
    _walk_structure(model, group, plan, skip_mismatch, path)
    return plan


def _walk_structure(container, group, plan, skip_mismatch, path):
    used = {}
    for layer in _sublayers(container):
        key = to_snake_case(type(layer).__name__)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        child_path = f"{path}/{key}"
        child = group.get(child_path) if isinstance(group, H5Group) else None
        child = child if isinstance(child, H5Group) else None
        if _sublayers(layer) is not None:
            if child is None and layer.weights:
                plan.problems.append(f"{child_path} (layer '{layer.name}'): not in the file")
                continue
            if layer.weights:
                _walk_structure(layer, child, plan, skip_mismatch, "layers")
            continue
        variables = _own_variables(layer)
        if not variables:
            continue
        if child is None:
            (plan.skipped if skip_mismatch else plan.problems).append(
                f"{child_path} (layer '{layer.name}'): not in the file"
            )
            continue
        stored = child["vars"].attrs.get("name") if isinstance(child.get("vars"), H5Group) else None
        if stored is not None and stored != layer.name:
            plan.problems.append(
                f"{child_path}: holds layer '{stored}', the model's layer there is '{layer.name}'"
            )
            continue
        plan.match(
            f"{child_path} (layer '{layer.name}')", variables, _vars_of(child), skip_mismatch, layer
        )


def _named_groups(root):
    """{layer name: group} for every `vars` group that records its layer's name."""
    found = {}

    def visit(name, obj):
        if isinstance(obj, H5Group) and (name.endswith("/vars") or name == "vars"):
            stored = obj.attrs.get("name")
            if isinstance(stored, str) and len(obj.keys()):
                found.setdefault(stored, obj.parent)

    root.visititems(visit)
    return found


def _named_plan(model, root, skip_mismatch):
    plan = _Plan()
    groups = _named_groups(root)
    for layer in _leaf_layers(model):
        group = groups.get(layer.name)
        if group is None:
            (plan.skipped if skip_mismatch else plan.problems).append(
                f"layer '{layer.name}': no group named so"
            )
            continue
        plan.match(
            f"{group.name} (layer '{layer.name}')",
            _own_variables(layer),
            _vars_of(group),
            skip_mismatch,
            layer,
        )
    return plan


def _load_keras3(model, root, skip_mismatch):
    plan = _structural_plan(model, root, skip_mismatch)
    if plan.problems and _named_groups(root):
        by_name = _named_plan(model, root, skip_mismatch)
        if not by_name.problems:
            plan = by_name
    if plan.problems:
        raise file_format_error(root.file, None, _mismatch_message(model, plan.problems, "Keras 3 weights file"))
    plan.apply(root.file)


# -------------------------------------------------------------------------------- legacy files
def _decode_all(values):
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def attribute_list(group, name):
    """An attribute possibly split into name0, name1, ... chunks (Keras' big-attribute trick)."""
    def listed(value):
        return [value] if isinstance(value, str) else _decode_all(value)

    if name in group.attrs:
        return listed(group.attrs[name])
    values, chunk = [], 0
    while f"{name}{chunk}" in group.attrs:
        values.extend(listed(group.attrs[f"{name}{chunk}"]))
        chunk += 1
    return values


def _legacy_entries(group):
    """[(layer name, [weight names], [arrays])] for entries that hold weights, in file order."""
    entries = []
    for name in attribute_list(group, "layer_names"):
        layer_group = group[name]
        if not isinstance(layer_group, H5Group):
            raise file_format_error(group.file, f"HDF5 object '{name}'", "expected a layer group, found a dataset")
        weight_names = attribute_list(layer_group, "weight_names")
        if weight_names:
            entries.append((name, weight_names, [np.asarray(layer_group[w]) for w in weight_names]))
    return entries


def _split_weight_name(weight_name):
    """'vgg16/block1_conv1/kernel:0' -> ('block1_conv1', 'kernel')."""
    parts = weight_name.split(":")[0].split("/")
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _legacy_plan(model, entries, by_name, skip_mismatch):
    plan = _Plan()
    top_layers = [layer for layer in _sublayers(model) if layer.weights]
    by_entry = {name: (weight_names, arrays) for name, weight_names, arrays in entries}
    nested = {}
    for _, weight_names, arrays in entries:
        for weight_name, array in zip(weight_names, arrays):
            nested.setdefault(_split_weight_name(weight_name)[0], []).append(array)

    def findable(layer):
        if layer.name in by_entry:
            return True
        return _sublayers(layer) is not None and all(
            leaf.name in nested or leaf.name in by_entry for leaf in _leaf_layers(layer)
        )

    if by_name is None:
        by_name = all(findable(layer) for layer in top_layers)
    if not by_name:
        if len(entries) != len(top_layers):
            plan.problems.append(
                f"the file holds {len(entries)} layers with weights, the model {len(top_layers)}; "
                "their names differ too, so they cannot be paired"
            )
            return plan
        for layer, (name, weight_names, arrays) in zip(top_layers, entries):
            _match_legacy(plan, layer, name, weight_names, arrays, skip_mismatch)
        return plan
    for layer in top_layers:
        if layer.name in by_entry:
            weight_names, arrays = by_entry[layer.name]
            _match_legacy(plan, layer, layer.name, weight_names, arrays, skip_mismatch)
        elif _sublayers(layer) is not None:
            for leaf in _leaf_layers(layer):
                found = by_entry[leaf.name][1] if leaf.name in by_entry else nested.get(leaf.name)
                if found is None:
                    (plan.skipped if skip_mismatch else plan.problems).append(
                        f"layer '{leaf.name}': not in the file"
                    )
                    continue
                plan.match(f"layer '{leaf.name}'", _own_variables(leaf), found, skip_mismatch, leaf)
        else:
            (plan.skipped if skip_mismatch else plan.problems).append(
                f"layer '{layer.name}': not in the file"
            )
    return plan


def _match_legacy(plan, layer, entry_name, weight_names, arrays, skip_mismatch):
    where = f"layer '{layer.name}' (file entry '{entry_name}')"
    if _sublayers(layer) is None:
        plan.match(where, _legacy_weights(layer), arrays, skip_mismatch, layer)
        return
    # A nested model saved as one entry: pair its weights by "<layer>/<weight>" names when they
    # are recorded, else in Keras 2's order (all trainable weights first).
    variables = {}
    for leaf in _leaf_layers(layer):
        for variable in _own_variables(leaf):
            variables[(leaf.name, variable.name)] = variable
    keys = [_split_weight_name(n) for n in weight_names]
    if all(key in variables for key in keys) and len(keys) == len(variables):
        plan.match(where, [variables[key] for key in keys], arrays, skip_mismatch)
    else:
        plan.match(where, _legacy_weights(layer), arrays, skip_mismatch)


def _load_legacy(model, group, by_name, skip_mismatch):
    entries = _legacy_entries(group)
    plan = _legacy_plan(model, entries, by_name, skip_mismatch)
    if plan.problems:
        raise file_format_error(group.file, None, _mismatch_message(model, plan.problems, "legacy Keras .h5 file"))
    plan.apply(group.file)


# ------------------------------------------------------------------------------------ public
def _mismatch_message(model, problems, kind):
    shown = "\n  ".join(problems[:8])
    more = f"\n  ... and {len(problems) - 8} more" if len(problems) > 8 else ""
    return (
        f"the {kind} does not fit model '{model.name}': {len(problems)} problem(s):\n"
        f"  {shown}{more}\n"
        "The file was probably saved from a different architecture or configuration (include_top, "
        "classes, input channels). Pass skip_mismatch=True to load only the layers that match."
    )


def is_keras_weights_file(filepath):
    """True if `filepath` is an HDF5 file or a `.keras` archive (checked by content)."""
    try:
        with open(filepath, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head == b"\x89HDF\r\n\x1a\n" or (
        head[:4] == b"PK\x03\x04" and str(filepath).endswith(".keras")
    )


def load_keras_weights(model, filepath, skip_mismatch=False, by_name=None):
    """Load weights saved by Keras into a strided model with the same architecture.

    Args:
        model: a built strided Model (e.g. `strided.applications.VGG16(weights=None)`).
        filepath: a Keras 3 `.weights.h5`, a legacy Keras 2 `.h5` (weights-only or full model),
            or a Keras 3 `.keras` archive.
        skip_mismatch: skip (with a warning) layers whose weights are missing or differ in count
            or shape, instead of raising.
        by_name: legacy files only: match layers by name (True), by order of the layers that
            have weights (False, Keras' default), or by name when every name is found (None).

    Raises:
        strided.errors.FileFormatError (a ValueError): naming the file and each layer that does not
            match, or what is wrong with the file; nothing is assigned then.

    Example:
        >>> model = VGG16(weights=None, include_top=False)
        >>> path = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
        >>> load_keras_weights(model, path)  # doctest: +SKIP
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file found at '{filepath}'.")
    load_keras_tree(model, read_keras_weights_tree(filepath), skip_mismatch, by_name)


def read_keras_weights_tree(filepath):
    """The checked HDF5 tree of a Keras `.h5` / `.weights.h5` file, or of the `model.weights.h5`
    inside a Keras 3 `.keras` archive."""
    _h5py()
    if zipfile.is_zipfile(filepath):
        with SafeZip(filepath) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise file_format_error(filepath, None, "a zip archive without model.weights.h5: "
                                        "not a Keras 3 .keras file")
            data = archive.read("model.weights.h5")
        return read_tree(data, f"{filepath}:model.weights.h5")
    return read_tree(filepath)


def load_keras_tree(model, root, skip_mismatch=False, by_name=None):
    """Load the weights of a tree from `read_keras_weights_tree` into `model` (all or nothing)."""
    group = root.get("model_weights", root)
    if isinstance(group, H5Group) and ("layer_names" in group.attrs or "layer_names0" in group.attrs):
        return _load_legacy(model, group, by_name, skip_mismatch)
    if "layers" in root or "vars" in root:
        return _load_keras3(model, root, skip_mismatch)
    raise file_format_error(
        root.file, None, "an HDF5 file but not a Keras weights file: it has neither `layer_names` "
        "(legacy Keras .h5) nor a `layers` group (Keras 3 .weights.h5)")


__all__ = ["is_keras_weights_file", "load_keras_tree", "load_keras_weights", "read_keras_weights_tree"]
