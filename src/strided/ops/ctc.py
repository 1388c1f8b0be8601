"""CTC with `keras.ops` signatures: `ctc_loss` (differentiable) and `ctc_decode` (greedy, beam).

Connectionist Temporal Classification scores a label sequence against per-frame class scores
without knowing where each label sits in time: it sums over every alignment, with a blank
class (`mask_index`, 0 by default as Keras) between labels. The maths, forward-backward in log
space, is in `kernels.reference.ctc`; the decoders in `kernels.reference.ctc_decode`.

    loss = ops.ctc_loss(target, output, target_length, output_length)   # (batch,)
    decoded, scores = ops.ctc_decode(output, output_length, strategy="beam_search")

The arguments are checked here, once, in the user's words.
"""

import numpy as np

from strided.autograd import Function, Tensor
from strided.kernels.reference import ctc as ctc_kernels
from strided.kernels.reference import ctc_decode as decode_kernels
from strided.ops._base import as_tensor


class CTCLoss(Function):
    """loss_n = -log p(target_n | output_n); d loss / d output = softmax - state posteriors."""

    def __init__(self, labels, input_lengths, label_lengths, blank):
        self.labels, self.blank = labels, blank
        self.input_lengths, self.label_lengths = input_lengths, label_lengths

    def forward(self, logits):
        self.dtype = logits.dtype
        loss, self.saved = ctc_kernels.ctc_forward(
            logits, self.labels, self.input_lengths, self.label_lengths, self.blank)
        return loss.astype(self.dtype)

    def backward(self, gy):
        grad = ctc_kernels.ctc_backward(gy, self.saved, self.input_lengths, self.label_lengths)
        return grad.astype(self.dtype)


def _integer_array(name, argument, value):
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind == "f" and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name}: `{argument}` must hold integers. Received dtype {array.dtype}.")
    return array.astype(np.int64)


def _logits(name, argument, output):
    output = as_tensor(output)
    if output.dtype.kind != "f":
        output = Tensor(output.data, dtype="float32")
    if output.ndim != 3:
        raise ValueError(
            f"{name}: `{argument}` must have shape (batch_size, max_length, num_classes) (logits, "
            f"not softmax probabilities). Received: {argument}.shape={tuple(output.shape)}."
        )
    if output.shape[1] == 0 or output.shape[2] == 0:
        raise ValueError(f"{name}: `{argument}` has no frames or no classes. Received: "
                         f"{argument}.shape={tuple(output.shape)}.")
    return output


def _lengths(name, argument, value, batch, longest, against):
    lengths = _integer_array(name, argument, value)
    if lengths.ndim == 0:
        lengths = np.full((batch,), int(lengths))
    if lengths.shape != (batch,):
        raise ValueError(f"{name}: `{argument}` must have shape (batch_size,) = ({batch},). "
                         f"Received: {argument}.shape={lengths.shape}.")
    if np.any(lengths < 0) or np.any(lengths > longest):
        raise ValueError(f"{name}: `{argument}` must be between 0 and {longest} (the length of "
                         f"`{against}`). Received: {argument}={lengths.tolist()}.")
    return lengths


def _blank(name, mask_index, classes, default):
    if mask_index is None:
        return default
    if not (-classes <= int(mask_index) < classes):
        raise ValueError(f"{name}: `mask_index` must index one of the {classes} classes. "
                         f"Received: mask_index={mask_index}.")
    return int(mask_index) % classes


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sample, -log p(target | output), as `keras.ops.ctc_loss`.

    Args:
        target: integer labels (batch_size, max_label_length); only the first
            `target_length[n]` entries of row n are read (pad with anything, e.g. 0).
        output: logits (batch_size, max_length, num_classes); the softmax is applied here.
        target_length: (batch_size,) number of labels in each row of `target`.
        output_length: (batch_size,) number of frames of `output` to use per sample.
        mask_index: the blank class (default 0, as Keras; None also means 0). Labels must
            not use it.

    Returns:
        A Tensor (batch_size,) of float32 (float64 for float64 logits), differentiable with
        respect to `output`. A target that cannot fit in its frames gives +inf and no gradient.

    Shape: (N, L), (N, T, C), (N,), (N,) -> (N,).

    Example:
        >>> ops.ctc_loss(np.array([[1, 2]]), np.zeros((1, 4, 3)), np.array([2]), np.array([4]))
    """
    name = "ctc_loss"
    output = _logits(name, "output", output)
    batch, frames, classes = output.shape
    labels = _integer_array(name, "target", target)
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ValueError(
            f"{name}: `target` must have shape (batch_size, max_label_length) with batch_size="
            f"{batch} as `output`. Received: target.shape={labels.shape}, "
            f"output.shape={tuple(output.shape)}."
        )
    label_lengths = _lengths(name, "target_length", target_length, batch, labels.shape[1], "target")
    input_lengths = _lengths(name, "output_length", output_length, batch, frames, "output")
    blank = _blank(name, mask_index, classes, default=0)
    used = np.arange(labels.shape[1])[None, :] < label_lengths[:, None]
    bad = used & ((labels < 0) | (labels >= classes) | (labels == blank))
    if np.any(bad):
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"{name}: labels must be classes 0..{classes - 1} other than the blank "
            f"mask_index={blank}, packed at the start of each row. Received target[{row}, {column}]="
            f"{labels[row, column]} within target_length={label_lengths[row]}."
        )
    labels = np.where(used, labels, blank)
    return CTCLoss.apply(output, labels=labels, input_lengths=input_lengths,
                         label_lengths=label_lengths, blank=blank)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC logits into label sequences, as `keras.ops.ctc_decode` (TensorFlow's decoders).

    Args:
        inputs: logits (batch_size, max_length, num_classes), not softmax probabilities.
        sequence_lengths: (batch_size,) number of frames to decode per sample.
        strategy: "greedy" (best class per frame, repeats merged, blanks dropped) or
            "beam_search" (prefix beam search keeping `beam_width` prefixes).
        beam_width, top_paths: beam search only: beam size and how many best paths to return.
        merge_repeated: greedy only: merge runs of the same class (default True).
        mask_index: the blank class (default 0; None means the last class).

    Returns:
        (decoded, scores): decoded int32 (paths, batch_size, max_length) padded with -1, paths
        being 1 for greedy and `top_paths` for beam search; scores (batch_size, paths): minus
        the sum of the chosen logits (greedy) or each path's log-probability (beam search).

    Example:
        >>> decoded, scores = ops.ctc_decode(logits, np.full(len(logits), logits.shape[1]))
    """
    name = "ctc_decode"
    logits = _logits(name, "inputs", inputs).data
    batch, frames, classes = logits.shape
    lengths = _lengths(name, "sequence_lengths", sequence_lengths, batch, frames, "inputs")
    blank = _blank(name, mask_index, classes, default=classes - 1)
    if strategy == "greedy":
        decoded, scores = decode_kernels.greedy_decode(logits, lengths, blank, bool(merge_repeated))
    elif strategy == "beam_search":
        for argument, value in (("beam_width", beam_width), ("top_paths", top_paths)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: `{argument}` must be a positive integer. "
                                 f"Received: {argument}={value!r}.")
        if top_paths > beam_width:
            raise ValueError(f"{name}: `top_paths` ({top_paths}) cannot exceed `beam_width` "
                             f"({beam_width}).")
        decoded, scores = decode_kernels.beam_search_decode(
            logits, lengths, blank, int(beam_width), int(top_paths))
    else:
        raise ValueError(f"{name}: invalid strategy {strategy!r}. Supported values are 'greedy' "
                         f"and 'beam_search'.")
    return Tensor(decoded), Tensor(scores)


__all__ = ["ctc_decode", "ctc_loss"]
