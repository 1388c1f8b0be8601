"""One TensorBoard event file: scalars, histograms, PNG images and text as v1 summaries (what
PyTorch's SummaryWriter writes for these), in the `tensorboard` package's protocol buffers and
record format. The file is opened with plain `open` rather than tensorboard's EventFileWriter,
whose file layer imports TensorFlow when it is installed (seconds, for nothing)."""

import io
import itertools
import os
import socket
import time

from strided.utils.summary_protos import histogram_value, plugin_metadata, string_tensor

_FILE_NUMBERS = itertools.count()


def tensorboard_modules():
    """(summary_pb2, tensor_pb2, tensor_shape_pb2, Event, RecordWriter), or a clear ImportError."""
    try:
        from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError as error:
        raise ImportError("torch.utils.tensorboard needs the `tensorboard` package to write event files: "
                          "pip install tensorboard.") from error
    return summary_pb2, tensor_pb2, tensor_shape_pb2, Event, RecordWriter


class EventFile:
    """The events of one run directory, in events.out.tfevents.<time>.<host>.<pid>.<n><suffix>."""

    def __init__(self, directory, filename_suffix=""):
        self.summary_pb2, self.tensor_pb2, self.shape_pb2, self.Event, record_writer = tensorboard_modules()
        os.makedirs(directory, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{next(_FILE_NUMBERS)}{filename_suffix}")
        self.path = os.path.join(directory, name)
        self.records = record_writer(open(self.path, "wb"))  # noqa: SIM115 - closed by close()
        self.records.write(self.Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())

    def _add(self, value, step, walltime=None):
        summary = self.summary_pb2.Summary(value=[value])
        event = self.Event(wall_time=walltime or time.time(), step=int(step), summary=summary)
        self.records.write(event.SerializeToString())

    def scalar(self, tag, value, step, walltime=None):
        self._add(self.summary_pb2.Summary.Value(tag=tag, simple_value=float(value)), step, walltime)

    def histogram(self, tag, values, step, buckets=30, walltime=None):
        self._add(histogram_value(self.summary_pb2, tag, values, buckets), step, walltime)

    def image(self, tag, pixels, step, walltime=None):
        """A uint8 (H, W, C) image, C in 1, 3, 4, as a PNG image summary."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(buffer, format="PNG")
        encoded = self.summary_pb2.Summary.Image(height=pixels.shape[0], width=pixels.shape[1],
                                                 colorspace=pixels.shape[2], encoded_image_string=buffer.getvalue())
        self._add(self.summary_pb2.Summary.Value(tag=tag, image=encoded), step, walltime)

    def text(self, tag, text, step, walltime=None):
        value = self.summary_pb2.Summary.Value(tag=tag, tensor=string_tensor(self.tensor_pb2, self.shape_pb2, text),
                                               metadata=plugin_metadata(self.summary_pb2, "text"))
        self._add(value, step, walltime)

    def flush(self):
        self.records.flush()

    def close(self):
        if not self.records.closed:
            self.records.close()
