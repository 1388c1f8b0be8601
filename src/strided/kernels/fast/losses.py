"""Fast softmax cross-entropy: the training hot path, without a one-hot matrix.

Accelerates `kernels.reference.losses`. The trick: with integer labels, the loss is
logsumexp(x) - x[label], so only the label's entry is picked (`take_along_axis`) rather than a
one-hot matrix built and multiplied; the exponentials are normalised in place into the softmax
kept for backward, whose gradient softmax - one_hot(label) is the softmax with the label's
entry decreased by one (`put_along_axis`).
"""

import numpy as np


def sparse_softmax_cross_entropy_forward(logits, labels):
    """(loss (M,), saved) for logits (..., K) and integer labels of logits' shape minus K."""
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    total = np.sum(exp, axis=-1, keepdims=True)
    picked = np.take_along_axis(shifted, labels[..., None], axis=-1)
    softmax = np.divide(exp, total, out=exp)
    return (np.log(total) - picked)[..., 0], softmax


def sparse_softmax_cross_entropy_backward(dloss, saved, labels):
    """dlogits = dloss * (softmax - one_hot(label)); `saved` is what the forward returned."""
    labels = labels[..., None]
    grad = saved * dloss[..., None]
    picked = np.take_along_axis(grad, labels, axis=-1)
    np.put_along_axis(grad, labels, picked - dloss[..., None], axis=-1)
    return grad


def softmax_cross_entropy_forward(logits, target, axis=-1):
    """(loss, saved): -sum(t * log_softmax(x)) along `axis`, keeping the softmax."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    exp = np.exp(shifted)
    total = np.sum(exp, axis=axis, keepdims=True)
    softmax = exp / total
    log_prob = shifted - np.log(total)
    return -np.sum(target * log_prob, axis=axis), softmax


def softmax_cross_entropy_backward(dloss, saved, target, axis=-1):
    """dlogits = dloss * (softmax * sum(t) - t)."""
    g = np.expand_dims(dloss, axis)
    return g * (saved * np.sum(target, axis=axis, keepdims=True) - target)
