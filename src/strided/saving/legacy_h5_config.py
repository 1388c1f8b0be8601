"""Model and training configs from legacy Keras `.h5` files, rewritten into what strided reads.

A whole-model `.h5` file stores its architecture as JSON (`model_config`) and its compile
arguments as JSON (`training_config`). Three generations of Keras wrote them:

* Keras 3 (`legacy_h5_format`): the Keras 3 config without `module`/`registered_name` on
  layer entries; options strided does not have yet appear with their neutral values
  (`ragged=False`, `quantization_config=None`, `renorm=False`, initializers' `input_axes=None`).
* tf.keras / Keras 2: class "Functional" (or "Model" before 2.4), `batch_input_shape` in the
  first layer, `dtype` as a string or a `Policy` dict, `axis` as a one-item list, calls
  ("inbound nodes") as `[[layer, node, tensor, kwargs], ...]` and `input_layers` /
  `output_layers` always as lists; optimizers with `lr`, `decay`, `is_legacy_optimizer`.
* Keras <= 2.2: a Sequential's config is the list of its layers.

Keras 3's own `.keras` files carry the same newer options, so `load_model` passes their
config through `model_config` too. `model_config` and `training_config` rewrite them into the
Keras 3 form strided's
`deserialize` and `restore_compile` read, the way Keras 3's own loader
(`legacy/saving/saving_utils.model_from_config`) adapts them. Options strided lacks are
dropped only at their neutral value; any other value is refused with a FileFormatError naming
the layer and the option, so a model is never silently rebuilt with different maths. Python
bytecode (Keras 2 `Lambda` layers) is refused: loading never runs code from a file.
"""

from strided.errors import FileFormatError, file_format_error

# Keras options strided does not implement, and the values under which they change nothing.
# "any" means the option only matters when another one (listed too) is switched on.
_NEUTRAL = {
    "ragged": (False, None),
    "quantization_config": (None,),
    "input_axes": (None,),
    "output_axes": (None,),
    "renorm": (False,),
    "renorm_clipping": "any",
    "renorm_momentum": "any",
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "lora_enabled": (False, None),
}
# tf.keras optimizer options Keras 3 dropped ("decay" is ignored with a warning, as Keras 3 does)
_OPTIMIZER_DROPPED = ("is_legacy_optimizer", "jit_compile")
_MODEL_CLASSES = {"Model": "Functional"}  # Keras 2 before 2.4 called a functional model "Model"


def model_config(config, file, part="model_config"):
    """`config` ({"class_name", "config"} written by Keras) in the form `deserialize` reads."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise file_format_error(file, part, "expected a model description (a dict with 'class_name'), "
                                f"found {type(config).__name__}")
    return _guarded(lambda: _Rewrite(file, part).entry(config), file, part)


def _guarded(rewrite, file, part):
    """`rewrite()`; a config of unexpected shape anywhere is a FileFormatError too."""
    try:
        return rewrite()
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - a crafted config may hold anything anywhere
        raise file_format_error(file, part, f"not a Keras config ({type(error).__name__}: "
                                f"{str(error)[:300]})") from None


class _Rewrite:
    def __init__(self, file, part):
        self.file, self.part = file, part

    def error(self, where, problem):
        return file_format_error(self.file, f"{self.part} {where}", problem)

    def entry(self, entry, where=""):
        """One serialized layer/model: {"class_name", "config", ...}."""
        entry = dict(entry)
        name = _MODEL_CLASSES.get(entry["class_name"], entry["class_name"])
        entry["class_name"] = name
        config = entry.get("config", {})
        where = f"{where}/{name}"
        if name == "Sequential" and isinstance(config, list):  # Keras <= 2.2
            config = {"name": "sequential", "layers": config}
        if not isinstance(config, dict):
            raise self.error(where, f"expected the layer's config as a dict, found {type(config).__name__}")
        label = f"{name} '{config.get('name', '?')}'"
        config = self.options(config, label)
        if name == "Lambda":
            self.check_lambda(config, label)
        if isinstance(config.get("layers"), list):
            config["layers"] = [self.layer(item, where) for item in config["layers"]]
            for key in ("input_layers", "output_layers"):
                if key in config:
                    config[key] = _single_reference(config[key])
        entry["config"] = config
        if isinstance(entry.get("inbound_nodes"), list):
            entry["inbound_nodes"] = [_node(node) for node in entry["inbound_nodes"]]
        return entry

    def layer(self, item, where):
        if not isinstance(item, dict) or not isinstance(item.get("class_name"), str):
            raise self.error(where, f"expected a layer (a dict with 'class_name'), found {str(item)[:80]}")
        return self.entry(item, where)

    def options(self, config, label):
        """The layer's own arguments: Keras 2 spellings updated, neutral unknown options dropped."""
        config = dict(config)
        for key, neutral in _NEUTRAL.items():
            if key in config:
                value = config.pop(key)
                if neutral != "any" and value not in neutral:
                    raise self.error(label, f"{key}={value!r}: strided does not implement this option "
                                     f"(it loads only {key}={neutral[0]!r})")
        if "dtype" in config:
            config["dtype"] = _dtype_name(config["dtype"])
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1 and isinstance(axis[0], int):
            config["axis"] = axis[0]
        for key, value in list(config.items()):
            if key.endswith(("_initializer", "_regularizer", "_constraint")) and isinstance(value, dict):
                config[key] = self.nested(value, f"{label} {key}")
        return config

    def nested(self, value, label):
        """An initializer/regularizer/constraint: {"class_name", "config"}, neutral options dropped."""
        value = dict(value)
        if isinstance(value.get("config"), dict):
            inner = dict(value["config"])
            for key, neutral in _NEUTRAL.items():
                if key in inner and (neutral == "any" or inner[key] in neutral):
                    inner.pop(key)
            value["config"] = inner
        return value

    def check_lambda(self, config, label):
        function = config.get("function")
        if isinstance(function, (list, dict)) or config.get("function_type") == "lambda":
            raise self.error(label, "the layer stores Python bytecode (a lambda); strided never runs code "
                             "from a file. Rebuild the model in code and load only its weights "
                             "(model.load_weights(path)), or name a registered function instead")
        for key in ("module", "function_type", "output_shape_type", "output_shape_module"):
            config.pop(key, None)


def _dtype_name(dtype):
    """'float32', {'class_name': 'Policy'|'DTypePolicy', 'config': {'name': ...}} -> a name."""
    if isinstance(dtype, dict):
        inner = dtype.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return inner["name"]
    return dtype


def _is_reference(value):
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:3]))


def _single_reference(value):
    """Keras 2 wrote `[["dense", 0, 0]]` for one output; Keras 3 writes `["dense", 0, 0]`."""
    if isinstance(value, list) and len(value) == 1 and _is_reference(value[0]):
        return value[0]
    return value


def _tensor(reference):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": None, "keras_history": list(reference[:3])}}


def _node(node):
    """A Keras 2 call `[[layer, node, tensor, kwargs], ...]` as Keras 3's {"args", "kwargs"};
    Keras' `mask=None` (passed to every layer of an application model) left out."""
    if isinstance(node, dict) and isinstance(node.get("kwargs"), dict):
        return {**node, "kwargs": _call_kwargs(node["kwargs"])}
    if not isinstance(node, list):
        return node
    references = [item for item in node if _is_reference(item)]
    if len(references) != len(node) or not node:
        return node  # not the legacy form: left for deserialize to judge
    kwargs = references[0][3] if len(references[0]) == 4 and isinstance(references[0][3], dict) else {}
    tensors = [_tensor(reference) for reference in references]
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": _call_kwargs(kwargs)}


def _call_kwargs(kwargs):
    return {key: value for key, value in kwargs.items() if not (key == "mask" and value is None)}


def training_config(config, file):
    """A `training_config` (Keras 2 or 3) as the `compile_config` `restore_compile` reads."""
    return _guarded(lambda: _training_config(config, file), file, "training_config")


def _training_config(config, file):
    part = "training_config"
    if not isinstance(config, dict) or not isinstance(config.get("optimizer_config"), dict):
        raise file_format_error(file, part, "expected a dict with 'optimizer_config'")
    optimizer = dict(config["optimizer_config"])
    options = dict(optimizer.get("config") or {})
    if "lr" in options:
        options.setdefault("learning_rate", options.pop("lr"))
    for key in _OPTIMIZER_DROPPED:
        options.pop(key, None)
    if options.get("decay") in (0, 0.0):
        options.pop("decay")  # a non-zero decay reaches the optimizer, which ignores it with a warning
    optimizer["config"] = options
    class_name = str(optimizer.get("class_name", ""))
    optimizer["class_name"] = class_name.split(">")[-1]  # "Custom>Adam" (TF 2.11+) -> "Adam"
    return {
        "optimizer": optimizer,
        "loss": _loss(config.get("loss")),
        "loss_weights": config.get("loss_weights"),
        "metrics": _metrics(config.get("metrics")),
        "weighted_metrics": _metrics(config.get("weighted_metrics")),
    }


def _loss(entry):
    if isinstance(entry, dict) and "class_name" in entry:
        inner = dict(entry.get("config") or {})
        if inner.get("reduction") == "auto":  # tf.keras' default, Keras 3's sum_over_batch_size
            inner["reduction"] = "sum_over_batch_size"
        return {**entry, "config": inner}
    if isinstance(entry, dict):
        return {k: _loss(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_loss(v) for v in entry]
    return entry


def _metrics(entry):
    """tf.keras stored compiled metrics as MeanMetricWrapper objects (and, for one output, as a
    list inside a list): back to their names."""
    if isinstance(entry, list) and len(entry) == 1 and isinstance(entry[0], list):
        entry = entry[0]
    if isinstance(entry, dict) and entry.get("class_name") == "MeanMetricWrapper":
        inner = entry.get("config") or {}
        return inner.get("name") or inner.get("fn")
    if isinstance(entry, dict) and "class_name" in entry:
        return entry
    if isinstance(entry, dict):
        return {k: _metrics(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_metrics(v) for v in entry]
    return entry


__all__ = ["model_config", "training_config"]
