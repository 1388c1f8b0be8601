"""TensorBoard summary pieces both of strided's event writers build -- the Keras-style
`callbacks.TensorBoard` and `strided.torch`'s `SummaryWriter`: a histogram, a string tensor and
a plugin's metadata, as the `tensorboard` package's protocol buffers. The writers import those
modules (an optional dependency) and pass them in."""

import numpy as np


def histogram_value(summary_pb2, tag, values, buckets=30):
    """A Summary.Value holding the histogram of `values` in `buckets` equal bins (empty: zeros)."""
    values = np.asarray(values, np.float64).ravel()
    counts, edges = np.histogram(values, bins=buckets) if values.size else (np.zeros(0), np.zeros(1))
    proto = summary_pb2.HistogramProto(
        min=float(values.min()) if values.size else 0.0, max=float(values.max()) if values.size else 0.0,
        num=float(values.size), sum=float(values.sum()), sum_squares=float(np.dot(values, values)),
        bucket_limit=edges[1:].tolist(), bucket=counts.astype(float).tolist())
    return summary_pb2.Summary.Value(tag=tag, histo=proto)


def string_tensor(tensor_pb2, shape_pb2, text):
    """A scalar string TensorProto holding `text` (UTF-8)."""
    return tensor_pb2.TensorProto(dtype=7, string_val=[text.encode()],  # 7 = DT_STRING
                                  tensor_shape=shape_pb2.TensorShapeProto())


def plugin_metadata(summary_pb2, plugin_name):
    """The SummaryMetadata that routes a tensor summary to a TensorBoard plugin ("text", ...)."""
    return summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin_name))
