"""ops.ctc_loss and ops.ctc_decode: values and gradients against PyTorch's ctc_loss, a brute-force
sum over alignments, finite differences and real Keras 3 (TensorFlow's CTC loss and decoders)."""

import itertools
import os

import numpy as np
import pytest
import torch

from strided import ops
from strided.autograd import Tensor
from strided.testing import gradcheck

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _torch_ctc(logits, labels, input_lengths, label_lengths, blank):
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    log_probs = torch.log_softmax(x, -1).transpose(0, 1)
    loss = torch.nn.functional.ctc_loss(
        log_probs, torch.tensor(labels), torch.tensor(input_lengths), torch.tensor(label_lengths),
        blank=blank, reduction="none")
    return loss, x


def _random_case(rng, batch=4, frames=9, classes=6, max_label=4):
    logits = rng.standard_normal((batch, frames, classes)) * 2
    labels = rng.integers(1, classes, size=(batch, max_label))
    labels[0, :3] = 2  # three equal labels: the skip rule between repeats
    input_lengths = np.array([frames] + list(rng.integers(max_label * 2, frames + 1, batch - 1)))
    label_lengths = np.array([max_label] + list(rng.integers(0, max_label + 1, batch - 1)))
    return logits, labels, input_lengths, label_lengths


def test_loss_and_gradient_equal_torch(rng):
    logits, labels, input_lengths, label_lengths = _random_case(rng)
    x = Tensor(logits, requires_grad=True)
    loss = ops.ctc_loss(labels, x, label_lengths, input_lengths)
    upstream = rng.standard_normal(4)
    ops.sum(loss * upstream).backward()
    expected, tx = _torch_ctc(logits, labels, input_lengths, label_lengths, blank=0)
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
    assert np.all(x.grad[1, input_lengths[1]:] == 0)  # frames past a sample's length get none


@pytest.mark.parametrize("blank", [3, -1])
def test_another_blank_index_equals_torch(rng, blank):
    logits, _, input_lengths, label_lengths = _random_case(rng, classes=5)
    classes = 5
    blank_class = blank % classes
    labels = rng.choice([c for c in range(classes) if c != blank_class], size=(4, 4))
    x = Tensor(logits, requires_grad=True)
    ops.sum(ops.ctc_loss(labels, x, label_lengths, input_lengths, mask_index=blank)).backward()
    expected, tx = _torch_ctc(logits, labels, input_lengths, label_lengths, blank=blank_class)
    expected.sum().backward()
    np.testing.assert_allclose(float(ops.sum(ops.ctc_loss(labels, logits, label_lengths, input_lengths,
                                                          mask_index=blank))),
                               expected.sum().item(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)


def test_loss_is_the_sum_over_every_alignment(rng):
    """Brute force: every path of T classes that collapses (merge repeats, drop blanks) to the
    labels, each with probability prod_t softmax(x_t)[path_t]."""
    frames, classes, labels = 5, 3, [1, 1, 2]
    logits = rng.standard_normal((1, frames, classes))
    probabilities = np.exp(logits[0]) / np.exp(logits[0]).sum(-1, keepdims=True)
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == labels:
            total += np.prod(probabilities[np.arange(frames), path])
    loss = ops.ctc_loss(np.array([labels]), logits, np.array([3]), np.array([frames]))
    np.testing.assert_allclose(float(loss.numpy()[0]), -np.log(total), rtol=1e-12)


def test_gradient_equals_finite_differences(rng):
    logits, labels, input_lengths, label_lengths = _random_case(rng, batch=3, frames=6, classes=4,
                                                               max_label=3)
    assert gradcheck(lambda x: ops.ctc_loss(labels, x, label_lengths, input_lengths), [logits])


def test_impossible_target_gives_inf_and_no_gradient(rng):
    """Three labels with two equal neighbours need 4 frames; 3 frames cannot hold them."""
    logits = rng.standard_normal((2, 3, 4))
    x = Tensor(logits, requires_grad=True)
    loss = ops.ctc_loss(np.array([[2, 2, 3], [1, 3, 0]]), x, np.array([3, 2]), np.array([3, 3]))
    assert np.isinf(loss.numpy()[0]) and np.isfinite(loss.numpy()[1])
    ops.sum(loss).backward()
    assert np.all(x.grad[0] == 0) and np.all(np.isfinite(x.grad))


def test_float32_logits_give_float32_loss_and_gradient(rng):
    logits, labels, input_lengths, label_lengths = _random_case(rng)
    x = Tensor(logits.astype(np.float32), requires_grad=True)
    loss = ops.ctc_loss(labels, x, label_lengths, input_lengths)
    ops.sum(loss).backward()
    assert loss.dtype == np.float32 and loss.shape == (4,) and x.grad.dtype == np.float32


def test_loss_equals_keras_ops_ctc_loss(rng):
    from keras import ops as keras_ops

    logits, labels, input_lengths, label_lengths = _random_case(rng)
    logits = logits.astype(np.float32)
    for mask_index in (0, 2):
        labels_here = np.where(labels == mask_index, 1, labels)
        expected = keras_ops.convert_to_numpy(keras_ops.ctc_loss(
            labels_here, logits, label_lengths, input_lengths, mask_index=mask_index))
        actual = ops.ctc_loss(labels_here, logits, label_lengths, input_lengths, mask_index=mask_index)
        np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.ctc_loss(np.ones((2, 3)), np.zeros((2, 5)), [3, 3], [5, 5]), "output.shape=(2, 5)"),
    (lambda: ops.ctc_loss(np.ones((3, 3)), np.zeros((2, 5, 4)), [3, 3], [5, 5]), "target.shape=(3, 3)"),
    (lambda: ops.ctc_loss(np.ones((2, 3)), np.zeros((2, 5, 4)), [4, 3], [5, 5]), "target_length"),
    (lambda: ops.ctc_loss(np.ones((2, 3)), np.zeros((2, 5, 4)), [3, 3], [6, 5]), "output_length"),
    (lambda: ops.ctc_loss(np.array([[1, 0, 2]]), np.zeros((1, 5, 4)), [3], [5]), "target[0, 1]=0"),
    (lambda: ops.ctc_loss(np.array([[1, 7]]), np.zeros((1, 5, 4)), [2], [5]), "target[0, 1]=7"),
    (lambda: ops.ctc_decode(np.zeros((2, 5, 4)), [5, 5], strategy="best"), "invalid strategy"),
    (lambda: ops.ctc_decode(np.zeros((2, 5, 4)), [5], strategy="greedy"), "sequence_lengths"),
    (lambda: ops.ctc_decode(np.zeros((2, 5, 4)), [5, 5], strategy="beam_search", beam_width=2,
                            top_paths=3), "top_paths"),
])
def test_bad_arguments_give_one_clear_error(call, message):
    with pytest.raises(ValueError, match="ctc_") as error:
        call()
    assert message in str(error.value)


# ------------------------------------------------------------------------------- decoding
def _keras_decode(logits, lengths, **options):
    from keras import ops as keras_ops

    decoded, scores = keras_ops.ctc_decode(logits, lengths, **options)
    return keras_ops.convert_to_numpy(decoded), keras_ops.convert_to_numpy(scores)


@pytest.mark.parametrize("mask_index, merge_repeated", [(0, True), (2, True), (0, False), (None, True)])
def test_greedy_decode_equals_keras(rng, mask_index, merge_repeated):
    logits = (rng.standard_normal((5, 8, 4)) * 2).astype(np.float32)
    logits[0, :, 1] += 5  # one class over many frames: runs to merge
    lengths = np.array([8, 8, 5, 3, 1])
    options = dict(strategy="greedy", merge_repeated=merge_repeated, mask_index=mask_index)
    expected = _keras_decode(logits, lengths, **options)
    decoded, scores = ops.ctc_decode(logits, lengths, **options)
    np.testing.assert_array_equal(decoded.numpy(), expected[0])
    np.testing.assert_allclose(scores.numpy(), expected[1], rtol=1e-6)


def test_beam_search_decode_equals_keras(rng):
    """Random small problems, narrow beams (where pruning decides) and several top paths."""
    for trial in range(40):
        frames, classes = int(rng.integers(1, 8)), int(rng.integers(2, 6))
        logits = (rng.standard_normal((3, frames, classes)) * rng.uniform(0.3, 3)).astype(np.float32)
        lengths = rng.integers(frames // 2 + 1, frames + 1, size=3)
        beam_width = int(rng.integers(2, 7))
        options = dict(strategy="beam_search", beam_width=beam_width, top_paths=2,
                       mask_index=int(rng.integers(0, classes)))
        try:
            expected = _keras_decode(logits, lengths, **options)
        except Exception:  # TensorFlow: "Less leaves in the beam search than requested."
            with pytest.raises(ValueError, match="fewer than top_paths"):
                ops.ctc_decode(logits, lengths, **options)
            continue
        decoded, scores = ops.ctc_decode(logits, lengths, **options)
        np.testing.assert_array_equal(decoded.numpy(), expected[0], err_msg=f"trial {trial}")
        np.testing.assert_allclose(scores.numpy(), expected[1], rtol=1e-5, atol=1e-5)


def test_beam_search_scores_are_log_probabilities_of_the_labelling(rng):
    """A wide beam finds the labelling's full probability: -ctc_loss of the decoded labels."""
    logits = rng.standard_normal((2, 5, 3))
    decoded, scores = ops.ctc_decode(logits, np.array([5, 5]), strategy="beam_search", beam_width=50,
                                     top_paths=3)
    for sample in range(2):
        for path in range(3):
            labels = decoded.numpy()[path, sample]
            labels = labels[labels >= 0]
            loss = ops.ctc_loss(labels[None], logits[sample:sample + 1], [len(labels)], [5])
            np.testing.assert_allclose(scores.numpy()[sample, path], -loss.numpy()[0], rtol=1e-6)
