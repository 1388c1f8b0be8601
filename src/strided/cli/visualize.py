"""`strided visualize`: what a trained CNN learned and where it looks, as PNG files."""

import numpy as np

from strided.cli._args import (
    HelpFormatter,
    add_images_argument,
    add_saved_model_argument,
    non_negative_int,
)
from strided.cli._errors import CLIError, UsageError
from strided.cli._images import expand_image_paths, read_images
from strided.cli._models import (
    input_shape_of,
    load_saved,
    parse_labels,
    read_labels,
    saved_model_path,
)
from strided.cli._output import prepare_output_dir

DESCRIPTION = """\
Draw what a trained model learned and where it looks for one (or a few) images. Writes into --out
(default: a folder `visualize` beside the model file):

  filters.png       the learned kernels of a convolution layer (--layer, default the first)
  feature_maps.png  every convolution and pooling layer's output for the image(s): each
                    layer's most active channel, or channel --filter-index
  grad_cam.png      Grad-CAM: the image regions that drive the predicted class (or --class-index)
  saliency.png      |d class score / d pixel| for each pixel

Images are read and converted as by `strided predict` (see --resize).
"""

EPILOG = """\
examples:
  strided visualize runs/quick/model.keras shoe.png       (writes runs/quick/visualize/)
  strided visualize runs/quick/model.keras shoe.png --out runs/quick/inside
  strided visualize runs/quick shoe.png --layer conv2d_1 --filter-index 5 --out inside
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "visualize",
        help="filters, feature maps and Grad-CAM as PNGs",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_saved_model_argument(parser)
    add_images_argument(parser)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="folder for the PNG files (default: 'visualize' beside the model)")
    parser.add_argument(
        "--layer", default=None, metavar="NAME", help="convolution layer whose filters to draw"
    )
    parser.add_argument(
        "--filter-index", type=non_negative_int, default=None,
        help="channel shown in the feature maps (default: each layer's most active channel)"
    )
    parser.add_argument(
        "--class-index",
        type=non_negative_int,
        default=None,
        help="class explained by Grad-CAM and saliency (default: the predicted class)",
    )
    parser.add_argument(
        "--resize", action="store_true", help="resize/convert images that do not match the model"
    )
    parser.add_argument(
        "--invert", action="store_true", help="invert the images, as for `strided predict`"
    )
    parser.add_argument(
        "--labels", default=None, metavar="NAMES", help="class names, as for `strided predict`"
    )
    parser.set_defaults(run=run)
    return parser


def _check_layer(model, name):
    names = [layer.name for layer in model.layers]
    if name not in names:
        convs = [layer.name for layer in model.layers if hasattr(layer, "kernel_size")]
        raise UsageError(
            f"the model has no layer '{name}'; "
            f"its convolution layers are: {', '.join(convs) or 'none'}"
        )


def run(args):
    path = saved_model_path(args.model, "visualize")
    model = load_saved(path)
    shape = input_shape_of(model)
    if args.layer is not None:
        _check_layer(model, args.layer)
    batch = read_images(expand_image_paths(args.images), shape, resize=args.resize,
                        invert=args.invert)
    out = prepare_output_dir(args.out if args.out is not None else path.parent / "visualize")
    classes = int(np.asarray(model.predict(batch[:1], verbose=0)).shape[-1])
    if args.class_index is not None and args.class_index >= classes:
        raise UsageError(
            f"--class-index {args.class_index} is out of range: "
            f"the model predicts {classes} classes"
        )
    names = parse_labels(args.labels, classes) if args.labels else read_labels(path, classes)
    written = _draw(model, batch, out, args, names)
    print(f"Saved to {out}/: " + ", ".join(p.name for p in written))
    return 0


def _draw(model, batch, out, args, names):
    try:
        from strided import viz
    except ImportError as error:
        raise CLIError(f"drawing needs matplotlib: {error}") from None
    index, cls = args.filter_index, args.class_index
    jobs = [  # feature maps first: a bad --filter-index fails before any file is written
        ("feature_maps.png", lambda p: viz.plot_feature_maps(model, batch, filter_index=index,
                                                             show_input=True, save_path=p)),
        ("filters.png", lambda p: viz.plot_filters(model, args.layer, save_path=p)),
        ("grad_cam.png", lambda p: viz.plot_grad_cam(model, batch, class_index=cls,
                                                     class_names=names, save_path=p)),
        ("saliency.png", lambda p: viz.plot_saliency(model, batch, class_index=cls,
                                                     class_names=names, save_path=p)),
    ]
    written = []
    for filename, draw in jobs:
        try:
            figure = draw(out / filename)
        except ImportError as error:
            raise CLIError(f"drawing needs matplotlib: {error}") from None
        except ValueError as error:  # e.g. --filter-index beyond a layer's channels
            raise CLIError(f"{filename}: {error}") from None
        _close(figure)
        written.append(out / filename)
    return written


def _close(figure):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return
    if hasattr(figure, "number"):
        plt.close(figure)


__all__ = ["add_parser", "run"]
