"""`strided summary`: a model's layers, output shapes and parameter counts (Keras' summary())."""

import argparse

from strided.cli._args import HelpFormatter, positive_int
from strided.cli._errors import UsageError
from strided.cli._models import (
    MODELS_HELP,
    VALID_MODELS,
    application_builder,
    build_application,
    named_model,
    resolve_model,
)

DESCRIPTION = """\
Print a model's layers, output shapes and parameter counts, as Keras' model.summary().

MODEL is a lesson model name (built untrained for its usual input, or for --input-shape), the
name of a model in strided.applications (resnet18, VGG16, MobileNetV2, ...: untrained, its
ImageNet input and 1000 classes unless --input-shape/--classes say otherwise), or a saved model
(.keras, or a folder holding model.keras).
"""

EPILOG = """\
examples:
  strided summary fashion-cnn                     (243,786 parameters)
  strided summary cifar-cnn --input-shape 28,28,1
  strided summary resnet18                        (11,699,112 parameters)
  strided summary runs/quick/model.keras
"""


SUMMARY_MODELS = VALID_MODELS.replace(", or the", ", an application name (resnet18, VGG16, ...), or the")


def shape_argument(text):
    """'28,28,1' or '28x28x1' -> (28, 28, 1)."""
    parts = text.replace("x", ",").split(",")
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected HEIGHT,WIDTH,CHANNELS such as 28,28,1, got '{text}'"
        ) from None
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"expected three positive numbers HEIGHT,WIDTH,CHANNELS, got '{text}'"
        )
    return shape


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "summary",
        help="show a model's layers and parameter counts",
        description=DESCRIPTION,
        epilog=MODELS_HELP + "\n\n" + EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL",
                        help=SUMMARY_MODELS)
    parser.add_argument(
        "--input-shape",
        type=shape_argument,
        default=None,
        metavar="H,W,C",
        help="input of a named model (default: the lesson's)",
    )
    parser.add_argument("--classes", type=positive_int, default=None,
                        help="outputs of a named model (default: 10 for a lesson model, 1000 for "
                             "an application)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    builder = None if named_model(args.model) else application_builder(args.model)
    if builder is not None:
        model = build_application(builder, args.input_shape, args.classes)
    else:
        try:
            model, _, _ = resolve_model(args.model, args.input_shape, args.classes or 10)
        except UsageError:
            raise UsageError(f"unknown model '{args.model}'; expected {SUMMARY_MODELS}") from None
    model.summary()
    return 0


__all__ = ["add_parser", "run"]
