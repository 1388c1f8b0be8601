"""The plumbing every application constructor shares (Keras' applications do the same steps).

1. `check_arguments`: `weights` is None, "imagenet" or an existing file; ImageNet weights with
   the top need 1000 classes; `pooling` is None, "avg" or "max"; pretrained classifiers
   stay softmax (or None for logits).
2. `model_input`: `input_shape` checked and defaulted (`obtain_input_shape`), then
   `image_input`: a fresh `Input`, or the user's symbolic `input_tensor`.
3. `classifier_head`: with the top, the layers before the classifier and Dense `classes`
   ("predictions"); without it, the optional global pooling (`pooling`).
4. `finish`: wrap the graph in a functional `Model`, starting from the tensor's true source
   inputs when `input_tensor` came out of other layers.
5. `load_weights`: "imagenet" fetches the published file (see `_weights`); a path is read
   according to its format: Keras `.h5`/`.weights.h5`/`.keras`, PyTorch
   `.pt`/`.pth`/`.bin`/`.safetensors`, else the model's own `load_weights`.

`build` runs the five steps around a family's own layers (`features`), from the eight
arguments every constructor takes (`Arguments`); `constructor` makes the public functions
whose arguments are just those eight (ResNet50, DenseNet121, InceptionV3, ...).
"""

import os
import zipfile
from typing import NamedTuple

from strided import _config, layers
from strided.applications import imagenet_utils
from strided.layers.keras_tensor import KerasTensor
from strided.models import Model

TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".ckpt")


def check_arguments(
    weights,
    include_top,
    classes,
    pooling,
    classifier_activation="softmax",
    has_imagenet=True,
    model_name="this model",
):
    if not (
        weights in (None, "imagenet")
        or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))
    ):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), 'imagenet' "
            "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
            f"Received: weights={weights!r}"
            + (" (no such file)" if isinstance(weights, (str, os.PathLike)) else "")
        )
    if weights == "imagenet" and not has_imagenet:
        raise ValueError(
            f"No ImageNet weights are published for {model_name}. Use weights=None (random "
            "initialization) or the path to a weights file."
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
            f"Received classes={classes}"
        )
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    if include_top:  # checked before anything is built
        imagenet_utils.validate_activation(classifier_activation, weights)


def channel_axis():
    return 1 if _config.image_data_format() == "channels_first" else 3


def image_input(input_tensor, input_shape):
    """A new Input of `input_shape`, or `input_tensor` if it is a symbolic tensor."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if isinstance(input_tensor, KerasTensor):
        return input_tensor
    raise ValueError(
        "`input_tensor` must be a symbolic tensor, the output of `strided.Input(...)` or of layers "
        f"called on one. Received: {type(input_tensor).__name__} with shape "
        f"{getattr(input_tensor, 'shape', None)}. To run the model on data, build it and call it."
    )


def model_input(input_tensor, input_shape, include_top, weights, default_size=224, min_size=32):
    """The image input of an application: `input_shape` checked and defaulted as Keras'
    `obtain_input_shape` does (in the global image data format), then `image_input`."""
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        data_format=_config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    return image_input(input_tensor, input_shape)


def source_inputs(tensor):
    """The Input tensors a symbolic tensor was computed from (Keras' `get_source_inputs`)."""
    found, stack, seen = [], [tensor], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        history = current._keras_history
        if history is None:
            found.append(current)
            continue
        layer, node_index, _ = history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            found.append(current)
        else:
            stack.extend(reversed(node.input_tensors))
    return found[0] if len(found) == 1 else found


def global_pooling(x, pooling, avg_name=None, max_name=None):
    """The optional pooling head of a model without its top."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_head(
    x,
    include_top,
    pooling,
    classes,
    classifier_activation,
    top=None,
    pooling_names=(None, None),
    **dense_kwargs,
):
    """The end every application shares.

    With the top: `top(x)`, the layers before the classifier (default: global average pooling
    named "avg_pool"), then Dense(`classes`, `classifier_activation`) named "predictions"
    (`dense_kwargs`, e.g. a kernel_initializer, go to it). Without the top: `global_pooling`
    by `pooling`, its layers named `pooling_names` (average, max).
    """
    if not include_top:
        return global_pooling(x, pooling, *pooling_names)
    x = top(x) if top is not None else layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(
        classes, activation=classifier_activation, name="predictions", **dense_kwargs
    )(x)


def flatten_dense(units, activation, dropout=0.0):
    """A `top` for `classifier_head` as in LeNet, AlexNet and VGG: Flatten ("flatten"), then
    Dense layers "fc1", "fc2", ... of `units` with `activation`, each after a Dropout
    ("fc1_dropout", ...) when `dropout` > 0."""

    def top(x):
        x = layers.Flatten(name="flatten")(x)
        for index, size in enumerate(units, start=1):
            if dropout > 0:
                x = layers.Dropout(dropout, name=f"fc{index}_dropout")(x)
            x = layers.Dense(size, activation=activation, name=f"fc{index}")(x)
        return x

    return top


def finish(img_input, outputs, input_tensor, name):
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)


def weights_format(weights):
    """'keras', 'torch', 'strided' or None for the `weights` argument (a path is sniffed)."""
    if weights is None or weights == "imagenet":
        return None
    path = os.fspath(weights)
    if path.lower().endswith(TORCH_SUFFIXES):
        return "torch"
    with open(path, "rb") as f:
        head = f.read(8)
    if head == b"\x89HDF\r\n\x1a\n":
        return "keras"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if "model.weights.h5" in names:
            return "keras"
        if any(n.endswith("data.pkl") for n in names):
            return "torch"
    return "strided"


TOP_LAYERS = ("fc1", "fc2", "predictions")


def load_weights(model, weights, imagenet_file=None, torch_names=None, include_top=True):
    """Load `weights` ("imagenet" or a path, see the module docstring) into `model`.

    Without the top, a torch file's classifier modules (mapped to fc1, fc2, predictions) are
    ignored; Keras files are matched by name, so their top layers are simply not used.
    """
    if weights is None:
        return model
    from strided.saving import keras_h5, torch_import

    if weights == "imagenet":
        from strided.applications import _weights

        weights = _weights.fetch(imagenet_file)
    kind = weights_format(weights)
    if kind == "keras":
        keras_h5.load_keras_weights(model, weights)
    elif kind == "torch":
        key_map = torch_names or (lambda path: path.replace(".", "_"))
        if not include_top:
            names = key_map

            def key_map(path):
                name = names(path)
                return None if name in TOP_LAYERS else name

        torch_import.load_torch_weights(model, weights, key_map=key_map)
    else:
        model.load_weights(weights)
    return model


class Arguments(NamedTuple):
    """The eight arguments every application constructor takes, in Keras' order."""

    include_top: object = True
    weights: object = "imagenet"
    input_tensor: object = None
    input_shape: object = None
    pooling: object = None
    classes: object = 1000
    classifier_activation: object = "softmax"
    name: object = None

    @classmethod
    def of(cls, call_arguments):
        """The eight out of a constructor's `locals()`, taken before it assigns any of them."""
        return cls(*(call_arguments[field] for field in cls._fields))


def build(
    args,
    features,
    *,
    default_size=224,
    min_size=32,
    has_imagenet=True,
    model_name="this model",
    top=None,
    pooling_names=(None, None),
    head=None,
    imagenet_file=None,
    torch_names=None,
    **dense_kwargs,
):
    """An application model: the steps of the module docstring around `features`.

    `args` are the constructor's `Arguments`; `features(img_input)` builds the family's layers
    up to the head. The head is `classifier_head` (`top`, `pooling_names` and `dense_kwargs`
    go to it), or `head(x)` for a family whose head is its own. `default_size`/`min_size` go
    to `model_input`, `has_imagenet`/`model_name` to `check_arguments`, `imagenet_file` (a
    `_weights.WeightsFile`, or a dict of them by `include_top`) and `torch_names` to
    `load_weights`.
    """
    check_arguments(
        args.weights,
        args.include_top,
        args.classes,
        args.pooling,
        args.classifier_activation,
        has_imagenet,
        model_name,
    )
    img_input = model_input(
        args.input_tensor, args.input_shape, args.include_top, args.weights, default_size, min_size
    )
    x = features(img_input)
    if head is not None:
        x = head(x)
    else:
        x = classifier_head(
            x,
            args.include_top,
            args.pooling,
            args.classes,
            args.classifier_activation,
            top,
            pooling_names,
            **dense_kwargs,
        )
    model = finish(img_input, x, args.input_tensor, args.name)
    if isinstance(imagenet_file, dict):
        imagenet_file = imagenet_file[bool(args.include_top)]
    return load_weights(model, args.weights, imagenet_file, torch_names, args.include_top)


def constructor(public_name, default_name, build_model, doc, weights="imagenet", classes=1000):
    """The public function `public_name` with Keras' signature, returning `build_model(Arguments)`.

    Every application whose arguments are exactly Keras' eight is made here (ResNet50,
    DenseNet121, InceptionV3, ...), so that signature is written once. `default_name` is the
    default of `name`; `weights` and `classes` are the defaults of those arguments; `doc` is
    the docstring. The function belongs to the module `build_model` (or the function a
    `functools.partial` wraps) comes from.
    """

    def application(
        include_top=True,
        weights=weights,
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=classes,
        classifier_activation="softmax",
        name=default_name,
    ):
        return build_model(Arguments.of(locals()))

    application.__name__ = application.__qualname__ = public_name
    application.__module__ = getattr(build_model, "func", build_model).__module__
    application.__doc__ = doc
    return application


__all__ = []
