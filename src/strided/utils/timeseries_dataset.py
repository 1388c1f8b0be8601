"""`timeseries_dataset_from_array`: sliding windows over a series, as Keras' function, as a
strided `Dataset` that `fit`, `evaluate` and `predict` read.

Window i starts at start_index + p_i, p_i = 0, stride, 2 stride, ... and takes
`sequence_length` steps `sampling_rate` apart:

    inputs[i]  = data[start_index + p_i + k * sampling_rate],  k = 0 .. sequence_length - 1
    targets[i] = targets[start_index + p_i]

There are end_index - start_index - (sequence_length - 1) * sampling_rate windows before the
stride (fewer if `targets` is shorter).
"""

import numpy as np

from strided.utils.dataset import Dataset, as_eager


def _check(data, start_index, end_index, sampling_rate, sequence_stride, sequence_length):
    size = len(data)
    if start_index and not 0 <= start_index < size:
        raise ValueError(f"`start_index` must be 0 or greater and lower than the length of the data. "
                         f"Received: start_index={start_index}, for data of length {size}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index}")
        if not 0 < end_index < size:
            raise ValueError(f"`end_index` must be higher than 0 and lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {size}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0 or value >= size:
            raise ValueError(f"`{name}` must be higher than 0 and lower than the length of the data. "
                             f"Received: {name}={value}, for data of length {size}")
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: sequence_length={sequence_length}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Windows of `data` (and their targets) as a batched `Dataset`, as Keras' function.

    Args:
        data: an array (or list) whose first axis is time.
        targets: one target per time step (window i gets targets[start of window i]), or None.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows. Defaults to 1.
        sampling_rate: steps between the entries of a window. Defaults to 1.
        batch_size: windows per batch, or None for single windows. Defaults to 128.
        shuffle: shuffle the windows (with `seed`), afresh every epoch.
        start_index, end_index: use only data[start_index:end_index].
        format: "tf" (accepted for Keras compatibility; the result is a strided `Dataset`).

    Returns:
        a `Dataset` of `inputs` batches, or of `(inputs, targets)` batches.

    Example:
        >>> ds = strided.utils.timeseries_dataset_from_array(np.arange(10), None, 3, batch_size=2)
        >>> [batch.tolist() for batch in ds][0]
        [[0, 1, 2], [1, 2, 3]]
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    _check(data, start_index, end_index, sampling_rate, sequence_stride, sequence_length)
    start_index = start_index or 0
    end_index = end_index if end_index is not None else len(data)
    data = as_eager(np.asarray(data)[start_index:end_index])
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = as_eager(np.asarray(targets)[start_index:end_index])
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(starts)
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate

    def windows():
        for start in starts:
            window = data[start + offsets]
            yield window if targets is None else (window, targets[start])

    dataset = Dataset._new(windows, len(starts))
    if shuffle:
        dataset = dataset.shuffle(1024 if batch_size is None else batch_size * 8, seed=seed)
    return dataset if batch_size is None else dataset.batch(batch_size)


__all__ = ["timeseries_dataset_from_array"]
