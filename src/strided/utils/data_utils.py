"""Array helpers with Keras' names: one-hot labels, L2 normalisation, train/validation splits."""

import numbers

import numpy as np

from strided._config import floatx


def to_categorical(x, num_classes=None):
    """Turn integer class labels into one-hot rows, as `keras.utils.to_categorical`.

    A trailing axis of size 1 is dropped first, so labels of shape (N, 1) (CIFAR's) give (N, C).

    Args:
        x: integer labels, any shape; values must be in [0, num_classes).
        num_classes: the number of classes C; default max(x) + 1.

    Returns:
        A floatx array of shape x.shape + (C,) (without x's trailing 1).

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    labels = np.asarray(x)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(
                "to_categorical: labels must be whole numbers (class indices); received non-integer values."
            )
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"to_categorical: labels must be integers; received dtype {labels.dtype}.")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if not isinstance(num_classes, numbers.Integral) or num_classes < 1:
        raise ValueError(
            f"to_categorical: num_classes must be a positive int. Received: num_classes={num_classes!r}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}) for num_classes={num_classes}; "
            f"received values from {labels.min()} to {labels.max()}."
        )
    categorical = np.zeros((labels.size, int(num_classes)), dtype=floatx())
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(shape + (int(num_classes),))


def normalize(x, axis=-1, order=2):
    """Scale vectors along `axis` to unit norm, as `keras.utils.normalize` (zero vectors stay zero).

    Args:
        x: array to normalise.
        axis: the axis holding each vector.
        order: the norm's order (2 = Euclidean, 1 = sum of absolute values, np.inf = max).

    Returns:
        x / ||x||, floating point (integers become floatx).

    Example:
        >>> normalize([[3.0, 4.0], [0.0, 0.0]])
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(floatx())
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return (x / np.expand_dims(norm, axis)).astype(x.dtype, copy=False)


def _count(size, total, name):
    if isinstance(size, float):
        if not 0.0 <= size <= 1.0:
            raise ValueError(f"{name} as a fraction must be in [0, 1]. Received: {name}={size}")
        return round(size * total)
    if isinstance(size, numbers.Integral) and 0 <= size <= total:
        return int(size)
    raise ValueError(
        f"{name} must be a float in [0, 1] or an int in [0, {total}]. Received: {name}={size!r}"
    )


def _as_arrays(dataset):
    arrays = list(dataset) if isinstance(dataset, (tuple, list)) else [dataset]
    arrays = [np.asarray(a) for a in arrays]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(
            f"All arrays must have the same length; received lengths {[len(a) for a in arrays]}."
        )
    return arrays, lengths.pop(), isinstance(dataset, (tuple, list))


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split an array, or a tuple of same-length arrays, in two (`keras.utils.split_dataset` for arrays).

    Args:
        dataset: an array or a tuple (x, y, ...) of arrays with the same first dimension.
        left_size, right_size: a fraction in [0, 1] or a count; give one or both (default: 0.5 / rest).
        shuffle: shuffle the order before splitting.
        seed: seed of the shuffle.

    Returns:
        (left, right), each of the same kind as `dataset`.

    Example:
        >>> (x_a, y_a), (x_b, y_b) = split_dataset((np.arange(10), np.arange(10)), left_size=0.8)
        >>> len(x_a), len(x_b)
        (8, 2)
    """
    arrays, total, is_tuple = _as_arrays(dataset)
    if left_size is None and right_size is None:
        left_size = 0.5
    left = _count(left_size, total, "left_size") if left_size is not None else None
    right = _count(right_size, total, "right_size") if right_size is not None else None
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"left_size + right_size = {left + right} exceeds the {total} samples.")
    order = np.random.default_rng(seed).permutation(total) if shuffle else np.arange(total)
    parts = [order[:left], order[left : left + right]]
    pieces = [tuple(a[p] for a in arrays) for p in parts]
    return tuple(p if is_tuple else p[0] for p in pieces)


def train_val_split(x, y=None, validation_split=0.2, shuffle=True, seed=None, stratify=False):
    """Hold out part of the training data for validation.

    Unlike `model.fit(validation_split=...)`, which takes the last samples unshuffled, this helper
    shuffles (with a seed) by default and can keep each class's share (`stratify=True`).

    Args:
        x: inputs; y: labels (integer or one-hot) or None.
        validation_split: the fraction (0-1) or number of samples held out.
        shuffle: shuffle before splitting.
        seed: seed of the shuffle (same seed -> same split).
        stratify: take the same fraction of each class (needs y).

    Returns:
        (x_train, y_train), (x_val, y_val) -- or x_train, x_val when y is None.

    Example:
        >>> (x_tr, y_tr), (x_val, y_val) = train_val_split(np.zeros((100, 2)), np.arange(100) % 10, 0.1, seed=0)
        >>> len(x_tr), len(x_val)
        (90, 10)
    """
    arrays, total, _ = _as_arrays((x,) if y is None else (x, y))
    n_val = _count(validation_split, total, "validation_split")
    rng = np.random.default_rng(seed)
    if stratify:
        if y is None:
            raise ValueError("train_val_split: stratify=True needs labels y.")
        labels = np.asarray(y)
        labels = (
            labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels.reshape(total)
        )
        val = []
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            members = rng.permutation(members) if shuffle else members
            val.append(
                members[len(members) - round(len(members) * n_val / total) :]
                if total
                else members[:0]
            )
        val = np.sort(np.concatenate(val)) if val else np.arange(0)
        train = np.setdiff1d(np.arange(total), val)
        if shuffle:
            train, val = rng.permutation(train), rng.permutation(val)
    else:
        order = rng.permutation(total) if shuffle else np.arange(total)
        train, val = order[: total - n_val], order[total - n_val :]
    if y is None:
        return arrays[0][train], arrays[0][val]
    return (arrays[0][train], arrays[1][train]), (arrays[0][val], arrays[1][val])


__all__ = ["normalize", "split_dataset", "to_categorical", "train_val_split"]
