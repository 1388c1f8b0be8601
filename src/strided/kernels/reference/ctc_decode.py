"""Reading a CTC model's output: greedy (best path) and prefix beam search decoding.

Greedy: at each frame take the most likely class; then merge runs of the same class (when
`merge_repeated`) and drop the blanks:  a a - b b - - b  ->  a b b.  Its score is minus the sum
of the chosen logits, as TensorFlow's `ctc_greedy_decoder`.

Prefix beam search keeps the `beam_width` most probable label prefixes. A prefix's probability
is split into the paths ending in a blank (p_b) and ending in its last label (p_l); with
y_t = log_softmax(x_t), one frame updates a prefix P ending in label c (parent Q = P minus c):

    p_l(P) <- (p_l(P) + [p_b(Q) if c is Q's last label else p_b(Q) + p_l(Q)]) * y_t(c)
    p_b(P) <- (p_b(P) + p_l(P)) * y_t(blank)
    new child P + d:  p_l = y_t(d) * (p_b(P) if d is P's last label else p_b(P) + p_l(P))

(products and sums written in probability; the code works with their logarithms). It follows
TensorFlow's `ctc_beam_search_decoder` (which Keras 3 calls) step by step: a prefix receives
its parent's probability only while the parent is in the beam, each beam prefix is extended
by every non-blank class, and a new prefix enters only if it beats the weakest one in a full
beam. The result is the `top_paths` best prefixes and their log-probabilities.

Arrays: logits (N, T, C), lengths (N,); outputs are padded with -1 to (paths, N, T).
"""

import math

import numpy as np

from strided.kernels.reference.activations import log_softmax


def greedy_decode(logits, lengths, blank, merge_repeated=True):
    """(decoded (1, N, T) int32 padded with -1, scores (N, 1)): best class per frame, collapsed.

    Ties go to the lowest class other than the blank, the blank last (as TensorFlow, which moves
    the blank to the end before its arg-max)."""
    n, frames, classes = logits.shape
    order = np.r_[np.arange(blank), np.arange(blank + 1, classes), blank]  # blank last
    best = order[np.argmax(logits[:, :, order], axis=-1)]  # (N, T)
    in_frames = np.arange(frames)[None, :] < lengths[:, None]
    scores = -np.sum(np.where(in_frames, np.max(logits, axis=-1), 0.0), axis=1, keepdims=True)
    keep = in_frames & (best != blank)
    if merge_repeated:
        keep[:, 1:] &= best[:, 1:] != best[:, :-1]
    decoded = np.full((1, n, frames), -1, dtype=np.int32)
    for i in range(n):
        kept = best[i][keep[i]]
        decoded[0, i, :kept.size] = kept
    return decoded, scores.astype(logits.dtype)


def _log_add(a, b):
    """log(exp(a) + exp(b)) for two floats (either may be -inf)."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


class _Prefix:
    """One node of the prefix tree: its labels, its parent and its log-probabilities of ending in
    a blank / in its last label, now (`blank`, `label`) and one frame earlier (`old_*`)."""

    __slots__ = ("labels", "parent", "blank", "label", "total", "old_blank", "old_label", "old_total")

    def __init__(self, labels, parent):
        self.labels, self.parent = labels, parent
        self.set(-math.inf, -math.inf)
        self.old_blank = self.old_label = self.old_total = -math.inf

    def set(self, blank, label):
        self.blank, self.label, self.total = blank, label, _log_add(blank, label)


class _Beam:
    """The `width` best prefixes, kept in slots with their totals in an array, so that the
    weakest one (which a newcomer replaces once the beam is full) is one arg-min away."""

    def __init__(self, width, entries):
        self.width, self.slots = width, list(entries)
        self.entries = {entry.labels: entry for entry in entries}
        self.totals = np.full(width, np.inf)
        self.totals[:len(entries)] = [entry.total for entry in entries]

    def bar(self):
        """What a prefix must beat to enter: -inf while there is room, else the weakest total."""
        return -math.inf if len(self.slots) < self.width else float(self.totals.min())

    def admits(self, log_probability):
        return log_probability > self.bar() and log_probability > -math.inf

    def add(self, entry):
        if len(self.slots) == self.width:
            slot = int(np.argmin(self.totals))
            del self.entries[self.slots[slot].labels]
            self.slots[slot] = entry
        else:
            slot = len(self.slots)
            self.slots.append(entry)
        self.entries[entry.labels] = entry
        self.totals[slot] = entry.total


def _beam_search_one(log_probs, blank, beam_width):
    """The final beam (a list of _Prefix, best first) for one sample's (T, C) log-probabilities."""
    root = _Prefix((), None)
    root.set(0.0, -math.inf)
    tree = {(): root}  # every prefix ever made, so a child always points at its parent's node
    beam = _Beam(beam_width, [root])
    non_blank = np.array([c for c in range(log_probs.shape[1]) if c != blank])
    for frame in log_probs:
        entries = sorted(beam.entries.values(), key=lambda e: -e.total)
        for entry in entries:
            entry.old_blank, entry.old_label, entry.old_total = entry.blank, entry.label, entry.total
        # 1. The prefixes already in the beam: stay on their last label, or enter it from the parent.
        for entry in entries:
            label = entry.label
            if entry.parent is not None:
                parent = entry.parent
                if parent.labels in beam.entries:  # (the previous frame's beam)
                    same = parent.labels and parent.labels[-1] == entry.labels[-1]
                    label = _log_add(label, parent.old_blank if same else parent.old_total)
                label += frame[entry.labels[-1]]
            entry.set(entry.old_total + frame[blank], label)
        branches = {}  # parent's labels -> {label: child} among the prefixes of the previous beam
        for entry in entries:
            if entry.parent is not None:
                branches.setdefault(entry.parent.labels, {})[entry.labels[-1]] = entry
        beam = _Beam(beam_width, entries)
        # 2. Extend each prefix that could still place a child in the beam by every class.
        for entry in entries:
            if not beam.admits(entry.old_total):
                continue
            last = entry.labels[-1] if entry.labels else None
            values = frame[non_blank] + entry.old_total
            if last is not None:
                values[non_blank == last] = frame[last] + entry.old_blank
            # Labels below the bar now stay below it (it only rises); visit the others, and the
            # children that were in the previous beam (TensorFlow wipes them when rejected).
            hopeful = set(non_blank[values > beam.bar()].tolist())
            for label in sorted(hopeful | set(branches.get(entry.labels, ()))):
                labels = entry.labels + (label,)
                if labels in beam.entries:
                    continue  # already in the beam: its update in step 1 counted this parent
                value = float(values[np.searchsorted(non_blank, label)])
                if beam.admits(value):
                    child = tree.get(labels) or tree.setdefault(labels, _Prefix(labels, entry))
                    child.set(-math.inf, value)
                    beam.add(child)
                elif labels in tree:  # as TensorFlow: a rejected prefix is wiped, even one still to extend
                    child = tree[labels]
                    child.set(-math.inf, -math.inf)
                    child.old_blank = child.old_label = child.old_total = -math.inf
    return sorted(beam.entries.values(), key=lambda e: -e.total)


def beam_search_decode(logits, lengths, blank, beam_width=100, top_paths=1):
    """(decoded (top_paths, N, T) int32 padded with -1, log-probabilities (N, top_paths))."""
    n, frames, _ = logits.shape
    log_probs = log_softmax(np.asarray(logits, dtype=np.float64), axis=-1)
    decoded = np.full((top_paths, n, frames), -1, dtype=np.int32)
    scores = np.zeros((n, top_paths))
    for i in range(n):
        best = _beam_search_one(log_probs[i, :lengths[i]], blank, beam_width)
        if len(best) < top_paths:
            raise ValueError(
                f"ctc_decode: sample {i} has only {len(best)} distinct label sequences in its beam "
                f"({lengths[i]} frames), fewer than top_paths={top_paths}. Lower `top_paths`."
            )
        for path, entry in enumerate(best[:top_paths]):
            decoded[path, i, :len(entry.labels)] = entry.labels
            scores[i, path] = entry.total
    return decoded, scores.astype(logits.dtype)
