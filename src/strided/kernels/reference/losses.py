"""Softmax cross-entropy: the classifier's loss, from logits (lesson 003's CrossEntropy).

For logits x (M, K) and targets t (M, K) (one-hot, or any distribution over the K classes):

    p = softmax(x)             loss_m = -sum_k t_mk log p_mk = logsumexp(x_m) sum_k t_mk - sum_k t_mk x_mk
    dloss_m / dx_m = p_m sum_k t_mk - t_m          (= p - t for a one-hot or normalised t)

Integer labels (sparse targets) are the one-hot t of those labels.
"""

import numpy as np

from strided.kernels.reference.activations import log_softmax, softmax


def one_hot(labels, classes, dtype):
    """(M, K) rows of zeros with a 1 at each label."""
    return (np.arange(classes) == labels[..., None]).astype(dtype)


def softmax_cross_entropy(logits, target, axis=-1):
    """loss per sample: -sum(t * log_softmax(x)) along `axis`."""
    return -np.sum(target * log_softmax(logits, axis), axis=axis)


def softmax_cross_entropy_backward(dloss, logits, target, axis=-1):
    """dx = dloss * (softmax(x) * sum(t) - t)."""
    total = np.sum(target, axis=axis, keepdims=True)
    return np.expand_dims(dloss, axis) * (softmax(logits, axis) * total - target)


def sparse_softmax_cross_entropy(logits, labels):
    """loss per sample for integer labels on the last axis: -log softmax(x)[label]."""
    return softmax_cross_entropy(logits, one_hot(labels, logits.shape[-1], logits.dtype))


def sparse_softmax_cross_entropy_backward(dloss, logits, labels):
    """dx = dloss * (softmax(x) - one_hot(label))."""
    return softmax_cross_entropy_backward(dloss, logits, one_hot(labels, logits.shape[-1], logits.dtype))
