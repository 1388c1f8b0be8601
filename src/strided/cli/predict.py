"""`strided predict`: the most likely classes of image files under a saved model."""

import numpy as np

from strided.cli._args import (
    HelpFormatter,
    add_images_argument,
    add_saved_model_argument,
    positive_int,
)
from strided.cli._images import expand_image_paths, read_images
from strided.cli._models import (
    input_shape_of,
    load_saved,
    output_classes,
    parse_labels,
    read_labels,
    saved_model_path,
)
from strided.cli._output import format_table, note

DESCRIPTION = """\
Print the top-k classes, with probabilities, of each image under a saved model.

Images are read with Pillow (PNG, JPEG, ...) and scaled to [0, 1] like the training data. An image
whose size or colour differs from the model's input is an error unless --resize is given, which
resizes it (stretching to the input size) and converts colour to grayscale, with a note. Grayscale
stored as RGB, and grayscale images for an RGB model, are converted without asking.
Class names come from --labels, else labels.txt beside the model (written by `strided train`).
IMAGE may be a folder: every image file directly inside it, in name order.
Note: Fashion-MNIST and MNIST images are light objects on a black background; a grayscale image
with a light background gets a warning, and --invert turns it into light on dark.
"""

EPILOG = """\
examples:
  strided predict runs/quick/model.keras shoe.png bag.png --top-k 3
  strided predict runs/quick photo.jpg --resize --invert
  strided predict runs/quick samples/          (every image in the folder)
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "predict",
        help="classify image files with a saved model",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_saved_model_argument(parser)
    add_images_argument(parser)
    parser.add_argument(
        "--top-k", type=positive_int, default=3, help="how many classes to show per image"
    )
    parser.add_argument(
        "--resize",
        action="store_true",
        help="resize/convert images that do not match the model's input",
    )
    parser.add_argument(
        "--invert", action="store_true",
        help="invert the images (1 - pixel): dark objects on white become light on black",
    )
    parser.add_argument(
        "--labels",
        default=None,
        metavar="NAMES",
        help="class names: a dataset name (fashion-mnist, mnist, cifar10), a file with "
        "one name per line, or a comma-separated list",
    )
    parser.set_defaults(run=run)
    return parser


def as_probabilities(outputs):
    """The outputs as probabilities: raw scores (logits) get a softmax, with a note."""
    outputs = outputs.reshape(len(outputs), -1).astype(np.float64)
    if outputs.min() >= 0 and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3):
        return outputs
    note("the model outputs scores, not probabilities (no softmax): showing their softmax")
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def run(args):
    path = saved_model_path(args.model, "predict with")
    model = load_saved(path)
    shape = input_shape_of(model)
    files = expand_image_paths(args.images)
    batch = read_images(files, shape, resize=args.resize, invert=args.invert)  # all checked first
    probabilities = as_probabilities(np.asarray(model.predict(batch, verbose=0)))
    classes = probabilities.shape[1]
    if args.labels is not None:
        names = parse_labels(args.labels, output_classes(model) or classes)
    else:
        names = read_labels(path, classes) or [str(i) for i in range(classes)]
    k = min(args.top_k, classes)
    for image_path, row in zip(files, probabilities):
        order = np.argsort(-row, kind="stable")[:k]
        print(image_path)
        rows = [[f"{rank}.", names[i], f"{row[i]:.2%}"] for rank, i in enumerate(order, start=1)]
        print("\n".join("  " + line for line in format_table(rows, align="llr").splitlines()))
    return 0


__all__ = ["add_parser", "run"]
