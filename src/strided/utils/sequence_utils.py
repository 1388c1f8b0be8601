"""`pad_sequences`: a list of sequences of different lengths as one padded array (Keras').

    pad_sequences([[1], [2, 3], [4, 5, 6]])      ->  [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
"""

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (and cut) sequences to one length, as `keras.utils.pad_sequences`.

    Args:
        sequences: a list of sequences (lists or arrays; entries may be vectors).
        maxlen: the output length; default the longest sequence.
        dtype: the output dtype. Defaults to "int32".
        padding: "pre" or "post": where the padding goes.
        truncating: "pre" or "post": which end of a longer sequence is cut.
        value: the padding value.

    Returns:
        an array of shape (len(sequences), maxlen) + the entries' shape.

    Example:
        >>> strided.utils.pad_sequences([[1, 2], [3]], padding="post")
        array([[1, 2], [3, 0]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences. Received: {type(sequences).__name__}")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding type "{padding}" not understood; expected "pre" or "post".')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating type "{truncating}" not understood; expected "pre" or "post".')
    lengths, sample_shape = [], None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError:
            raise ValueError("pad_sequences: `sequences` must be a list of iterables. Found non-iterable: "
                             f"{str(sequence)[:100]}") from None
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with `value`'s type: {type(value)}. "
                         "Set `dtype=object` for variable length strings.")
    padded = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for index, sequence in enumerate(sequences):
        if not len(sequence) or not maxlen:
            continue
        kept = np.asarray(sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: the entries of sequence {index} have shape {kept.shape[1:]}, "
                             f"but the first non-empty sequence's have shape {sample_shape}.")
        if padding == "post":
            padded[index, :len(kept)] = kept
        else:
            padded[index, -len(kept):] = kept
    return padded


__all__ = ["pad_sequences"]
