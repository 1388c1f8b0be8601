"""The models the commands accept: a lesson model by name, or the path of a saved `.keras` file.

Named models are built for the dataset's image shape and class count; a saved model is loaded
with `strided.models.load_model`, and any failure (missing, truncated, not a model) becomes one
line naming the file. Class names travel beside a saved model in `labels.txt` (one per line).
"""

import inspect
from dataclasses import dataclass
from pathlib import Path

from strided.cli._errors import CLIError, UsageError


@dataclass(frozen=True)
class NamedModel:
    """A lesson model: how to build it and how the lesson trained it."""

    name: str
    builder: str  # "module:function" building it
    input_shape: tuple  # the shape the lesson used
    optimizer: str  # the lesson's optimizer
    description: str


_LESSONS = "strided.applications.lessons"
NAMED_MODELS = {m.name: m for m in (
    NamedModel("mnist-cnn", f"{_LESSONS}:mnist_cnn", (28, 28, 1), "rmsprop",
               "the Keras MNIST tutorial CNN: Conv32-Pool-Conv64-Pool-Conv128-Flatten-Dense10"),
    NamedModel("fashion-cnn", f"{_LESSONS}:fashion_cnn", (28, 28, 1), "adam",
               "the Fashion-MNIST tutorial CNN: Conv64-Pool-Conv64-Pool-Dense128-Dense10"),
    NamedModel("cifar-cnn", f"{_LESSONS}:cifar_cnn", (32, 32, 3), "adam",
               "a CIFAR-10 CNN: 3 blocks of Conv-BatchNorm-ReLU x2, pooling, Dropout"),
    NamedModel("lenet5", "strided.applications.lenet:LeNet5", (32, 32, 1), "adam",
               "LeNet-5 (LeCun et al. 1998): tanh, average pooling"),
)}
VALID_MODELS = ", ".join(NAMED_MODELS) + ", or the path of a saved model (.keras)"
LABELS_FILE = "labels.txt"
MODELS_HELP = "models (default optimizer in brackets):\n" + "\n".join(
    f"  {m.name:<12} {m.description} [{m.optimizer}]" for m in NAMED_MODELS.values()
)


def named_model(name):
    """The NamedModel for 'fashion-cnn' (also 'fashion_cnn', 'LeNet5'), or None."""
    key = str(name).strip().lower().replace("_", "-")
    return NAMED_MODELS.get(key)


def build_named(spec, input_shape=None, classes=10):
    """Build a lesson model for images of `input_shape` (H, W, C) and `classes` outputs."""
    import importlib

    module_name, function = spec.builder.split(":")
    try:
        builder = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError):
        builder = None
    if builder is None:
        raise CLIError(f"model '{spec.name}' is not available in this installation of strided")
    shape = tuple(input_shape or spec.input_shape)
    parameters = inspect.signature(builder).parameters
    kwargs = {}
    if "input_shape" in parameters:
        kwargs["input_shape"] = shape
    for key in ("classes", "num_classes"):
        if key in parameters:
            kwargs[key] = classes
            break
    from strided.utils import clear_session

    clear_session()  # layer names start at conv2d, conv2d_1, ... as in a fresh process
    try:
        return builder(**kwargs)
    except ValueError as error:
        raise CLIError(f"cannot build {spec.name} for {shape} images: {error}") from None


def application_builder(name):
    """The `strided.applications` constructor named `name`, in any case and with or without
    '-'/'_' ('resnet18', 'VGG16', 'efficientnet-b0'), or None."""
    import strided.applications as applications

    key = str(name).strip().lower().replace("_", "").replace("-", "")
    for attribute in dir(applications):
        if attribute[:1].isupper() and attribute.lower() == key:
            return getattr(applications, attribute)
    return None


def build_application(builder, input_shape=None, classes=None):
    """An untrained application model (weights=None): its own default input and 1000 classes
    unless given."""
    from strided.utils import clear_session

    clear_session()
    kwargs = {"weights": None}
    if input_shape is not None:
        kwargs["input_shape"] = tuple(input_shape)
    if classes is not None:
        kwargs["classes"] = classes
    try:
        return builder(**kwargs)
    except ValueError as error:
        raise CLIError(f"cannot build {builder.__name__}: {error}") from None


def load_saved(path):
    """Load a `.keras` file, turning every failure into a one-line CLIError naming the file."""
    from strided.models import load_model

    path = Path(path).expanduser()
    if not path.exists():
        raise CLIError(f"model file not found: '{path}'")
    if path.is_dir():
        candidate = path / "model.keras"
        if not candidate.is_file():
            raise CLIError(f"'{path}' is a folder without a model.keras file")
        path = candidate
    try:
        return load_model(path)
    except (ValueError, KeyError, TypeError, OSError, EOFError, AttributeError) as error:
        message = str(error).strip().rstrip(".")
        if str(path) not in message:
            message = f"cannot load the model file '{path}': {message}"
        raise CLIError(message) from None


def resolve_model(text, input_shape=None, classes=10):
    """A model from a name or a path: (model, description, named spec or None).

    Raises UsageError listing the valid names when `text` is neither a name nor an existing path.
    """
    spec = named_model(text)
    if spec is not None:
        return build_named(spec, input_shape, classes), spec.name, spec
    path = Path(text).expanduser()
    looks_like_path = (
        path.suffix in (".keras", ".h5", ".zip") or "/" in str(text) or "\\" in str(text)
    )
    if path.exists() or looks_like_path:
        return load_saved(path), str(path), None
    raise UsageError(f"unknown model '{text}'; expected {VALID_MODELS}")


def model_file(text):
    """The `.keras` path a MODEL argument stands for (a folder means its model.keras)."""
    path = Path(text).expanduser()
    return path / "model.keras" if path.is_dir() else path


def saved_model_path(text, next_step):
    """model_file(MODEL) for a command that needs a trained model: a model name that is not
    also an existing path is a UsageError saying to train it first, "then <next_step>
    DIR/model.keras" (next_step: "evaluate", "predict with", ...)."""
    if named_model(text) is not None and not Path(text).exists():
        raise UsageError(
            f"'{text}' is a model name, not a trained model: train it first with "
            f"`strided train --model {text} --out DIR`, then {next_step} DIR/model.keras"
        )
    return model_file(text)


def input_shape_of(model):
    """The (H, W, C) a model takes, from its symbolic input or its built shape."""
    shape = None
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        shape = getattr(model, "_build_shapes", None)
    if isinstance(shape, list):
        raise CLIError(
            f"model '{model.name}' has {len(shape)} inputs; "
            "the command line handles models with one image input"
        )
    if not shape or len(shape) != 4:
        raise CLIError(
            f"model '{model.name}' does not take images (its input shape is {shape}); "
            "expected (batch, height, width, channels)"
        )
    return tuple(shape[1:])


def output_classes(model):
    """The number of classes a model predicts (its last output axis)."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None
    return shape[-1] if isinstance(shape, tuple) else None


def read_labels(model_path, count=None):
    """Class names from `labels.txt` beside the model file, or None if there is none."""
    labels = Path(model_path).expanduser().parent / LABELS_FILE
    if not labels.is_file():
        return None
    names = [
        line.strip() for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if count is not None and len(names) != count:
        return None
    return names


def parse_labels(text, count):
    """--labels: a dataset name, a file with one name per line, or a comma-separated list."""
    from strided.cli._datasets import canonical_name
    from strided.datasets import cifar10, fashion_mnist

    key = canonical_name(text)
    if key is not None:
        names = {"mnist": [str(i) for i in range(10)], "cifar10": list(cifar10.CLASS_NAMES)}.get(
            key, list(fashion_mnist.CLASS_NAMES)
        )
    elif Path(text).is_file():
        names = [
            line.strip()
            for line in Path(text).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    else:
        names = [part.strip() for part in str(text).split(",")]
    if count is not None and len(names) != count:
        raise UsageError(
            f"--labels gives {len(names)} class names but the model predicts {count} classes"
        )
    return names


__all__ = [
    "MODELS_HELP",
    "NAMED_MODELS",
    "VALID_MODELS",
    "LABELS_FILE",
    "named_model",
    "build_named",
    "load_saved",
    "resolve_model",
    "application_builder",
    "build_application",
    "model_file",
    "saved_model_path",
    "input_shape_of",
    "output_classes",
    "read_labels",
    "parse_labels",
]
