"""CTC loss (Graves et al. 2006): the forward-backward recursion in log space, with its gradient.

A label sequence l of length L is read between blanks: the extended sequence
l' = (blank, l_1, blank, l_2, ..., l_L, blank) has S = 2L + 1 states. With y_t = log_softmax(x_t)
over the classes, the forward variable alpha_t(s) (log-probability of all paths through the
first t+1 frames that end in state s) is

    alpha_0(0) = y_0(blank),   alpha_0(1) = y_0(l_1),   alpha_0(s) = -inf otherwise
    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2)]) + y_t(l'_s)

the skip from s-2 allowed only when l'_s is a label different from l'_{s-2} (no skipping a
blank between two equal labels). The backward variable beta_t(s) runs the same recursion from
the last frame towards the first (mirror image: s, s+1, s+2). Then

    log p(l | x) = logsumexp(alpha_{T-1}(S-1), alpha_{T-1}(S-2))          loss = -log p(l | x)
    gamma_t(s)   = alpha_t(s) + beta_t(s) - y_t(l'_s) - log p(l | x)     (the state's posterior)
    d loss / d x_t(k) = softmax(x_t)(k) - sum over states s with l'_s = k of exp(gamma_t(s))

Everything is vectorised over the batch: each sample n has its own number of frames T_n and
labels L_n; frames past T_n are ignored (zero gradient) and the states past 2 L_n never reach
the final states. A label sequence that cannot fit in its frames (T_n smaller than L_n plus the
number of equal neighbours) has probability 0: loss +inf and a zero gradient.

Arrays: logits (N, T, C) float, labels (N, L) int, input_lengths (N,), label_lengths (N,).
"""

import numpy as np

from strided.kernels.reference.activations import log_softmax, softmax


def extended_labels(labels, blank):
    """(N, 2L + 1): the labels with a blank before, between and after them."""
    n, length = labels.shape
    extended = np.full((n, 2 * length + 1), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    return extended


def _skip_allowed(extended, blank):
    """(N, S) booleans: may a path jump from state s-2 straight to state s?"""
    allowed = np.zeros(extended.shape, dtype=bool)
    allowed[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    return allowed


def _states_before(values, by):
    """values[:, s - by] (or -inf where s - by < 0): the state `by` steps to the left."""
    shifted = np.full_like(values, -np.inf)
    shifted[:, by:] = values[:, :values.shape[1] - by]
    return shifted


def _states_after(values, by):
    """values[:, s + by] (or -inf past the last state): the state `by` steps to the right."""
    shifted = np.full_like(values, -np.inf)
    shifted[:, :values.shape[1] - by] = values[:, by:]
    return shifted


def _emissions(log_probs, extended):
    """(N, T, S): y_t(l'_s), each state's log-probability at each frame."""
    n, frames, _ = log_probs.shape
    states = np.broadcast_to(extended[:, None, :], (n, frames, extended.shape[1]))
    return np.take_along_axis(log_probs, states, axis=2)


def ctc_forward(logits, labels, input_lengths, label_lengths, blank=0):
    """(loss (N,), saved): the negative log-likelihood of each label sequence, and what the
    gradient needs (log-probabilities, extended labels, alpha, log p)."""
    logits = np.asarray(logits, dtype=np.float64)
    n, frames, _ = logits.shape
    log_probs = log_softmax(logits, axis=-1)
    extended = extended_labels(labels, blank)
    emit = _emissions(log_probs, extended)
    skip = _skip_allowed(extended, blank)
    rows = np.arange(n)

    alpha = np.full(emit.shape, -np.inf)
    alpha[:, 0, 0] = emit[:, 0, 0]
    if alpha.shape[2] > 1:
        alpha[:, 0, 1] = np.where(label_lengths > 0, emit[:, 0, 1], -np.inf)
    for t in range(1, frames):
        previous = alpha[:, t - 1]
        paths = np.logaddexp(previous, _states_before(previous, 1))
        paths = np.where(skip, np.logaddexp(paths, _states_before(previous, 2)), paths)
        # A sample whose frames have ended keeps its last alpha (only frame T_n - 1 is read).
        alpha[:, t] = np.where((t < input_lengths)[:, None], paths + emit[:, t], previous)

    last = alpha[rows, np.maximum(input_lengths - 1, 0)]
    final_blank = last[rows, 2 * label_lengths]
    final_label = np.where(label_lengths > 0, last[rows, np.maximum(2 * label_lengths - 1, 0)], -np.inf)
    log_likelihood = np.logaddexp(final_blank, final_label)
    log_likelihood = np.where(input_lengths > 0, log_likelihood, np.where(label_lengths > 0, -np.inf, 0.0))
    saved = (logits, log_probs, extended, skip, emit, alpha, log_likelihood)
    return -log_likelihood, saved


def ctc_backward(dloss, saved, input_lengths, label_lengths):
    """d loss / d logits (N, T, C) for the upstream gradient `dloss` (N,)."""
    logits, log_probs, extended, skip, emit, alpha, log_likelihood = saved
    n, frames, classes = logits.shape
    states = extended.shape[1]
    rows = np.arange(n)

    beta = np.full(emit.shape, -np.inf)
    final_states = np.full((n, states), -np.inf)
    final_states[rows, 2 * label_lengths] = 0.0
    label_end = label_lengths > 0
    final_states[rows[label_end], 2 * label_lengths[label_end] - 1] = 0.0
    skip_from_right = np.zeros_like(skip)
    skip_from_right[:, :-2] = skip[:, 2:]  # may state s jump to state s+2?
    following = np.full((n, states), -np.inf)
    for t in range(frames - 1, -1, -1):
        ahead = np.logaddexp(following, _states_after(following, 1))
        ahead = np.where(skip_from_right, np.logaddexp(ahead, _states_after(following, 2)), ahead)
        start = final_states  # the last frame of each sample starts from its final states
        beta[:, t] = np.where((t == input_lengths - 1)[:, None], start + emit[:, t],
                              np.where((t < input_lengths - 1)[:, None], ahead + emit[:, t], -np.inf))
        following = beta[:, t]

    feasible = np.isfinite(log_likelihood)
    safe_log_likelihood = np.where(feasible, log_likelihood, 0.0)
    gamma = alpha + beta - emit - safe_log_likelihood[:, None, None]
    occupancy = np.exp(gamma)  # (N, T, S); zero past each sample's frames (beta = -inf there)
    one_hot = (extended[:, :, None] == np.arange(classes)).astype(np.float64)  # (N, S, C)
    posterior = occupancy @ one_hot  # (N, T, C)
    in_frames = (np.arange(frames)[None, :] < input_lengths[:, None])[:, :, None]
    grad = (softmax(logits, axis=-1) - posterior) * in_frames
    grad = grad * (feasible * np.asarray(dloss, dtype=np.float64))[:, None, None]
    return grad
