"""`SummaryWriter` with PyTorch's arguments and file layout: one event file in `log_dir`, and for
`add_scalars(main_tag, {name: value})` one more per name in `log_dir/main_tag_name` (each value
logged under `main_tag`), as PyTorch lays them out. Scalars, histograms, images and text are
written; `add_graph` and `add_embedding` (which need PyTorch's JIT tracer and projector) are not
supported and say so.
"""

import os
import socket
from datetime import datetime

import numpy as np

from strided.torch.utils.tensorboard._events import EventFile


def _number(value):
    """A Python float from a number, NumPy scalar or one-element tensor."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"SummaryWriter: a scalar value must have one element, got shape {array.shape}")
    return float(array.reshape(()))


def _array(values):
    if hasattr(values, "detach"):
        values = values.detach().numpy()
    return np.asarray(values)


def _hwc(image, dataformats):
    """An image array in (H, W, C) from PyTorch's `dataformats` (CHW, HWC, HW)."""
    dataformats = dataformats.upper()
    if dataformats == "HW":
        image = image[:, :, None]
    elif dataformats == "CHW":
        image = image.transpose(1, 2, 0)
    elif dataformats != "HWC":
        raise ValueError(f"SummaryWriter.add_image: dataformats must be 'CHW', 'HWC' or 'HW', got {dataformats!r}")
    if image.shape[2] == 2 or image.shape[2] > 4:
        raise ValueError(f"SummaryWriter.add_image: expected 1, 3 or 4 channels, got shape {image.shape}")
    return image


class SummaryWriter:
    """Write TensorBoard event files (PyTorch's `torch.utils.tensorboard.SummaryWriter`).

    Args:
        log_dir: the run's directory; default runs/<date>_<host><comment>, as PyTorch's.
        comment: appended to the default log_dir.
        purge_step, max_queue, flush_secs, filename_suffix: accepted (events are written as they come).
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.filename_suffix = filename_suffix
        self._writer = EventFile(self.log_dir, filename_suffix)
        self._scalar_writers = {}

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        self._writer.scalar(tag, _number(scalar_value), 0 if global_step is None else global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Each value in its own run `log_dir/main_tag_name`, under the tag `main_tag` (one chart)."""
        for name, value in tag_scalar_dict.items():
            directory = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{name}")
            if directory not in self._scalar_writers:
                self._scalar_writers[directory] = EventFile(directory, self.filename_suffix)
            self._scalar_writers[directory].scalar(main_tag, _number(value), 0 if global_step is None else global_step,
                                                   walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        buckets = 30 if isinstance(bins, str) else bins
        self._writer.histogram(tag, _array(values), 0 if global_step is None else global_step, buckets, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image (values in [0, 1] for floats, 0..255 for uint8) as a PNG image summary."""
        image = _hwc(_array(img_tensor), dataformats)
        if image.dtype != np.uint8:
            image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)  # PyTorch's convert_to_HWC scaling
        self._writer.image(tag, np.ascontiguousarray(image), 0 if global_step is None else global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images tiled into one image, ceil(sqrt(N)) per row, as PyTorch's writer does."""
        images = _array(img_tensor)
        if dataformats.upper() == "NHWC":
            images = images.transpose(0, 3, 1, 2)
        if dataformats.upper() not in ("NCHW", "NHWC") or images.ndim != 4:
            raise ValueError(f"SummaryWriter.add_images: expected an (N, C, H, W) or (N, H, W, C) batch with "
                             f"dataformats 'NCHW' or 'NHWC', got shape {images.shape} and {dataformats!r}")
        count, channels, height, width = images.shape
        columns = int(np.ceil(np.sqrt(count)))
        rows = int(np.ceil(count / columns))
        grid = np.zeros((channels, rows * height, columns * width), images.dtype)
        for k in range(count):
            row, column = divmod(k, columns)
            grid[:, row * height:(row + 1) * height, column * width:(column + 1) * width] = images[k]
        self.add_image(tag, grid, global_step, walltime, dataformats="CHW")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._writer.text(f"{tag}/text_summary", text_string, 0 if global_step is None else global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        raise NotImplementedError("SummaryWriter.add_graph: strided has no graph tracer to draw the model; "
                                  "print(model) shows its structure.")

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        raise NotImplementedError("SummaryWriter.add_embedding: the projector is not supported by strided.")

    def flush(self):
        self._writer.flush()
        for writer in self._scalar_writers.values():
            writer.flush()

    def close(self):
        self._writer.close()
        for writer in self._scalar_writers.values():
            writer.close()
        self._scalar_writers = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


__all__ = ["SummaryWriter"]
