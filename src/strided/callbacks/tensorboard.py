"""`TensorBoard`: write training curves, weight histograms and weight images as TensorBoard
event files, laid out as Keras 3 lays them out, so `tensorboard --logdir logs` shows them.

    log_dir/train/events.out.tfevents...       epoch_loss, epoch_accuracy, epoch_learning_rate,
                                               batch_* (update_freq), */histogram, */image, keras
    log_dir/validation/events.out.tfevents...  epoch_loss, epoch_accuracy (the val_ logs),
                                               evaluation_*_vs_iterations

Scalars are written with the epoch as step (batch scalars with the global batch number).
The files are written with the `tensorboard` package's own EventFileWriter and protocol
buffers (no TensorFlow needed); `pip install tensorboard` to use this callback.
"""

import os
import struct
import time
import zlib

import numpy as np

from strided.callbacks.callback import Callback
from strided.utils.summary_protos import histogram_value, plugin_metadata, string_tensor


def _tensorboard():
    """The tensorboard modules this callback writes with, or a clear ImportError."""
    try:
        from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as error:
        raise ImportError(
            "callbacks.TensorBoard needs the `tensorboard` package to write event files: "
            "pip install tensorboard (or pip install 'strided[tensorboard]')."
        ) from error
    return summary_pb2, tensor_pb2, tensor_shape_pb2, Event, EventFileWriter


def _png(image):
    """PNG bytes of a uint8 (H, W, C) image with C in 1, 3, 4 (zlib only, no imaging library)."""
    height, width, channels = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def weight_images(weight, data_format="channels_last"):
    """Keras' picture of a weight: (images, H, W, 1) or None when it has no 2-D view.

    A bias becomes one n x 1 column; a Dense kernel one image (transposed so it is wider than
    tall); a 3-D kernel one image per last-axis slice.
    """
    array = np.squeeze(np.asarray(weight))
    if array.ndim == 1:
        return array.reshape(1, -1, 1, 1)
    if array.ndim == 2:
        if array.shape[0] > array.shape[1]:
            array = array.T
        return array.reshape(1, array.shape[0], array.shape[1], 1)
    if array.ndim == 3:
        if data_format == "channels_last":
            array = np.transpose(array, (2, 0, 1))
        return array.reshape(*array.shape, 1)
    return None


class _Writer:
    """One event file: scalars, histograms, images and tensors as v1 Summary protos."""

    def __init__(self, directory):
        self.summary_pb2, self.tensor_pb2, self.shape_pb2, self.Event, writer_class = _tensorboard()
        os.makedirs(directory, exist_ok=True)
        self.writer = writer_class(directory)

    def _add(self, value, step):
        summary = self.summary_pb2.Summary(value=[value])
        self.writer.add_event(self.Event(wall_time=time.time(), step=int(step), summary=summary))

    def scalar(self, tag, value, step):
        self._add(self.summary_pb2.Summary.Value(tag=tag, simple_value=float(value)), step)

    def histogram(self, tag, values, step, buckets=30):
        self._add(histogram_value(self.summary_pb2, tag, values, buckets), step)

    def images(self, tag, images, step, max_outputs=3):
        """Up to `max_outputs` float images (N, H, W, C) under one tag, in TensorBoard's image
        tensor format [width, height, png, ...] (as tf.summary.image writes them). Values are
        expected in [0, 1]; outside they are clipped: floor(x * 255.5) saturated to 0..255."""
        images = np.asarray(images, np.float64)[:max_outputs]
        pixels = np.clip(np.floor(images * 255.5), 0, 255).astype(np.uint8)
        encoded = [_png(image) for image in pixels]
        fields = [str(images.shape[2]).encode(), str(images.shape[1]).encode(), *encoded]
        self._tensor(tag, self.tensor_pb2.TensorProto(
            dtype=7, string_val=fields, tensor_shape=self._shape(len(fields))), "images", step)

    def _shape(self, *sizes):
        return self.shape_pb2.TensorShapeProto(dim=[self.shape_pb2.TensorShapeProto.Dim(size=n) for n in sizes])

    def _tensor(self, tag, tensor, plugin_name, step):
        metadata = plugin_metadata(self.summary_pb2, plugin_name)
        self._add(self.summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata), step)

    def text_tensor(self, tag, text, plugin_name, step):
        """A scalar string tensor with a plugin's metadata (Keras' "keras" model summary)."""
        self._tensor(tag, string_tensor(self.tensor_pb2, self.shape_pb2, text), plugin_name, step)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


class TensorBoard(Callback):
    """Log training to TensorBoard event files (Keras 3's callback, its arguments and file layout).

    Args:
        log_dir: the directory of the run; "train" and "validation" subdirectories are made.
        histogram_freq: every this many epochs, write a histogram of each weight (0: never).
        write_graph: write the model's JSON config (the graph dashboard's "keras" tag).
        write_images: with histograms, also write each weight as an image.
        write_steps_per_second: log the training speed with the epoch scalars.
        update_freq: "epoch" (default), "batch", or an int N: also log batch_* scalars every N batches.
        profile_batch, embeddings_freq, embeddings_metadata: accepted; profiling and embeddings
            are not supported (non-zero values raise).

    Example:
        >>> model.fit(x, y, epochs=5, validation_split=0.1,
        ...           callbacks=[TensorBoard(log_dir="logs/run1", histogram_freq=1)])
        $ tensorboard --logdir logs
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        _tensorboard()  # fail at construction, not at the end of the first epoch
        if profile_batch:
            raise ValueError(f"TensorBoard: profiling is not available in strided; use profile_batch=0. "
                             f"Received: profile_batch={profile_batch!r}")
        if embeddings_freq:
            raise ValueError(f"TensorBoard: embeddings are not supported; use embeddings_freq=0. "
                             f"Received: embeddings_freq={embeddings_freq!r}")
        if not (update_freq in ("epoch", "batch") or (isinstance(update_freq, int) and update_freq > 0)):
            raise ValueError(f"TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive int. "
                             f"Received: update_freq={update_freq!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: `histogram_freq` must be an int >= 0. "
                             f"Received: histogram_freq={histogram_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph, self.write_images = histogram_freq, write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch, self.embeddings_freq = profile_batch, embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0

    def _writer(self, kind):
        if kind not in self._writers:
            self._writers[kind] = _Writer(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        self._graph_pending = bool(self.write_graph)

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if getattr(self, "_graph_pending", False) and hasattr(self.model, "to_json"):
            self._writer("train").text_tensor("keras", self.model.to_json(), "graph_keras_model", 0)
            self._graph_pending = False

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq or not isinstance(logs, dict):
            return
        writer = self._writer("train")
        for name, value in logs.items():
            if np.ndim(value) == 0:
                writer.scalar(f"batch_{name}", value, self._global_train_batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_start_iterations = self._iterations()

    def _iterations(self):
        return int(getattr(getattr(self.model, "optimizer", None), "iterations", 0) or 0)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        if isinstance(learning_rate, (int, float, np.floating)):
            train["learning_rate"] = float(learning_rate)
        if self.write_steps_per_second:
            seconds = max(time.time() - self._epoch_start, 1e-9)
            train["steps_per_second"] = (self._iterations() - self._epoch_start_iterations) / seconds
        for kind, values in (("train", train), ("validation", validation)):
            scalars = {name: value for name, value in values.items() if np.ndim(value) == 0}
            for name, value in scalars.items():
                self._writer(kind).scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _weight_prefix(self):
        """Keras' weight paths start with the model's name for Sequential and subclassed models
        (their layers are built inside the model), not for Functional ones."""
        functional = any(cls.__name__ == "Functional" for cls in type(self.model).__mro__)
        return "" if functional else f"{self.model.name}/"

    def _log_weights(self, epoch):
        writer = self._writer("train")
        data_format = "channels_last"
        prefix = self._weight_prefix()
        for layer in self.model.layers:
            for weight in layer.weights:
                name = getattr(weight, "path", None) or f"{layer.name}/{weight.name}"
                name = (prefix + name).replace(":", "_")
                values = np.asarray(getattr(weight, "data", weight))
                writer.histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    images = weight_images(values, getattr(layer, "data_format", None) or data_format)
                    if images is not None:
                        writer.images(f"{name}/image", images, epoch)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        writer = self._writer("validation")
        for name, value in logs.items():
            if np.ndim(value) == 0:
                writer.scalar(f"evaluation_{name}_vs_iterations", value, self._iterations())
        writer.flush()

    def on_train_end(self, logs=None):
        self._close_writers()

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


__all__ = ["TensorBoard"]
