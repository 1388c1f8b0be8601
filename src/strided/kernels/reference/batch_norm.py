"""Batch normalization with the batch's own statistics (Ioffe and Szegedy, 2015).

On x viewed as (M, C) (every axis but the channels flattened into rows):

    mean = sum_m x / M          var = sum_m (x - mean)^2 / M        (the biased variance)
    xhat = (x - mean) / sqrt(var + eps)          y = gamma * xhat + beta

Backward, for the upstream gradient dy (M, C):

    dbeta = sum_m dy            dgamma = sum_m dy * xhat
    dx = gamma / sqrt(var + eps) * (dy - dbeta / M - xhat * dgamma / M)

(dx keeps the mean and the variance on the tape: both depend on every row.)
"""

import numpy as np


def batch_statistics(x2):
    """(mean, var) per channel of x2 (M, C): the batch mean and the biased variance."""
    mean = x2.mean(axis=0)
    var = ((x2 - mean) ** 2).mean(axis=0)
    return mean, var


def batch_norm(x2, mean, var, gamma, beta, epsilon):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta for x2 (M, C)."""
    xhat = (x2 - mean) / np.sqrt(var + epsilon)
    return gamma * xhat + beta


def batch_norm_parameter_gradients(dy2, x2, mean, var, epsilon):
    """(dgamma, dbeta) = (sum dy * xhat, sum dy) over the rows."""
    xhat = (x2 - mean) / np.sqrt(var + epsilon)
    return (dy2 * xhat).sum(axis=0), dy2.sum(axis=0)


def batch_norm_backward(dy2, x2, mean, var, gamma, epsilon, dgamma, dbeta, rows=None):
    """dx (M, C) for the upstream gradient dy2, given dgamma and dbeta (of the whole batch).

    `rows` is the whole batch's M (more than x2's when the batch is split over processes,
    whose statistics and sums are the whole batch's); default x2's rows.
    """
    rows = rows or x2.shape[0]
    inv_std = 1 / np.sqrt(var + epsilon)
    xhat = (x2 - mean) * inv_std
    return gamma * inv_std * (dy2 - dbeta / rows - xhat * dgamma / rows)
