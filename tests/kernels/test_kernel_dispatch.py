"""`strided.set_kernels` / `get_kernels` / `kernels_used`: any model runs on the reference
kernels, with the fast path's results to float rounding, and nothing of the fast set is used."""

import numpy as np
import pytest

import strided
from strided import layers, ops
from strided.autograd import Tensor
from strided.kernels import collective, fast_set, reference_set


@pytest.fixture(autouse=True)
def fast_afterwards():
    yield
    strided.set_kernels("fast")


@pytest.fixture
def fast_kernels_forbidden(monkeypatch):
    """Every function and class of the fast set raises when called."""
    def forbidden(name):
        def call(*args, **kwargs):
            raise AssertionError(f"the fast kernel {name} ran with the reference kernels selected")
        return call

    for name, value in list(vars(fast_set).items()):
        if not name.startswith("_") and callable(value):
            monkeypatch.setattr(fast_set, name, forbidden(name))


def test_set_get_and_the_context_manager():
    assert strided.get_kernels() == "fast"
    with strided.kernels_used("reference"):
        assert strided.get_kernels() == "reference"
        with strided.kernels_used("fast"):
            assert strided.get_kernels() == "fast"
        assert strided.get_kernels() == "reference"
    assert strided.get_kernels() == "fast"
    with pytest.raises(RuntimeError), strided.kernels_used("reference"):
        raise RuntimeError("inside the block")
    assert strided.get_kernels() == "fast"  # restored after an exception too
    strided.set_kernels("reference")
    assert strided.get_kernels() == "reference"


def test_an_unknown_name_is_refused_in_the_users_words():
    with pytest.raises(ValueError, match=r"set_kernels: expected one of \['fast', 'reference'\], received 'refrence'"):
        strided.set_kernels("refrence")
    assert strided.get_kernels() == "fast"


def lesson_cnn(seed=0):
    """Lesson 002's Fashion-MNIST CNN, smaller, with batch norm (+ ReLU) and dropout:
    the fusion pass makes Conv2D(relu)+MaxPooling2D and BatchNormalization+ReLU single ops."""
    rng = np.random.default_rng(seed)
    model = strided.Sequential([
        strided.Input((28, 28, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(8, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.25, seed=3),
        layers.Dense(16, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    for weight in model.weights:
        value = rng.standard_normal(weight.shape) * 0.3
        if weight.path.endswith("variance"):
            value = np.abs(value) + 0.5
        weight.assign(value.astype(weight.dtype))
    model.compile(optimizer=strided.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def data(n=16, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 28, 28, 1)).astype(np.float32), rng.integers(0, 10, n)


def step_and_predict(kernels):
    x, y = data()
    with strided.kernels_used(kernels):
        model = lesson_cnn()
        loss = model.train_on_batch(x, y)
        return loss, model.get_weights(), model.predict(x, verbose=0)


def test_a_training_step_of_the_lessons_cnn_gives_the_same_numbers():
    fast_loss, fast_weights, fast_prediction = step_and_predict("fast")
    reference_loss, reference_weights, reference_prediction = step_and_predict("reference")
    assert np.isclose(fast_loss, reference_loss, rtol=1e-5)
    for fast, reference in zip(fast_weights, reference_weights):
        np.testing.assert_allclose(fast, reference, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast_prediction, reference_prediction, rtol=1e-4, atol=1e-6)
    assert not np.allclose(fast_weights[0], lesson_cnn().get_weights()[0])  # the step did change them


def test_with_reference_kernels_no_fast_kernel_runs(fast_kernels_forbidden):
    """Sequential fit/evaluate/predict (fused ops, traced inference), a Functional model and
    ops called directly, on the reference set alone."""
    x, y = data(32)
    with pytest.raises(AssertionError, match="the fast kernel"):  # the fixture does bite
        lesson_cnn().predict(x, verbose=0)
    strided.set_kernels("reference")
    model = lesson_cnn()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.evaluate(x, y, verbose=0)
    for _ in range(2):  # the second prediction replays the first one's trace
        model.predict(x, batch_size=16, verbose=0)
    inputs = strided.Input((8, 8, 3))
    hidden = layers.DepthwiseConv2D(3, padding="same", activation="gelu")(inputs)
    hidden = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="sigmoid")(hidden)
    hidden = layers.AveragePooling2D(2)(hidden)
    outputs = layers.Dense(3, activation="tanh")(layers.GlobalAveragePooling2D()(hidden))
    functional = strided.Model(inputs, outputs)
    functional.compile(optimizer="adam", loss="mse")
    functional.train_on_batch(np.ones((4, 8, 8, 3), np.float32), np.zeros((4, 3), np.float32))
    direct = Tensor(np.ones((2, 6, 6, 2)), requires_grad=True)
    out = ops.max_pool(ops.relu(ops.conv(direct, np.ones((3, 3, 2, 3)), padding="same")), 2)
    ops.sum(ops.softmax(ops.reshape(out, (2, -1)))).backward()
    assert direct.grad.shape == direct.shape


def test_traced_inference_follows_the_setting(monkeypatch):
    """A trace recorded on the fast kernels replays on the reference ones once they are chosen."""
    x, _ = data()
    model = lesson_cnn()
    first = model.predict(x, verbose=0)
    model.predict(x, verbose=0)  # traced by now
    calls = []
    original = reference_set.conv_relu_maxpool_forward
    monkeypatch.setattr(reference_set, "conv_relu_maxpool_forward",
                        lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    with strided.kernels_used("reference"):
        again = model.predict(x, verbose=0)
    assert calls, "the replay did not run the reference kernels"
    np.testing.assert_allclose(again, first, rtol=1e-4, atol=1e-6)


def test_backward_runs_on_the_kernels_its_forward_used():
    rng = np.random.default_rng(0)
    x, kernel = rng.standard_normal((2, 9, 9, 3)), rng.standard_normal((3, 3, 3, 4))
    grads = {}
    for forward_set, backward_set in (("fast", "fast"), ("reference", "fast"), ("fast", "reference")):
        inputs = Tensor(x, requires_grad=True)
        with strided.kernels_used(forward_set):
            y = ops.max_pool(ops.conv_bias_activation(inputs, kernel, np.ones(4), "relu", padding="same"), 2)
        with strided.kernels_used(backward_set):
            ops.sum(y * y).backward()
        grads[forward_set, backward_set] = inputs.grad
    for value in grads.values():
        np.testing.assert_allclose(value, grads["fast", "fast"], rtol=1e-10, atol=1e-12)


class _TwinRanks:
    """A data-parallel group of two ranks holding the same rows (`kernels.collective`, as MPI
    ranks join it in `models.replica`); this one is the first."""

    rank = 0

    def all_gather(self, vector):
        return np.stack([vector, vector])


@pytest.mark.parametrize("relu", [False, True])
def test_batch_norm_shared_over_ranks_matches(relu):
    """The reference batch norm takes its statistics and sums over all ranks, as the fast."""
    rng = np.random.default_rng(0)
    x2, g2 = rng.standard_normal((50, 6)) * 2 + 1, rng.standard_normal((50, 6))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    results = []
    for kernels in (fast_set, reference_set):
        with collective.joined(_TwinRanks()):
            mean, var, rows = kernels.moments(x2)
            norm = kernels.Normalization(mean, var, gamma, beta, 1e-3, relu, rows)
            y = norm.normalize(x2)
            dy, dbeta, dgamma = norm.gradient_sums(g2, x2)
            results.append((rows, mean, var, y, dbeta, dgamma, norm.input_gradient_pass(dy, x2, dbeta, dgamma)))
    assert results[0][0] == results[1][0] == 100
    for fast, reference in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(fast, reference, rtol=1e-10, atol=1e-12)


def test_the_reference_kernels_stand_alone():
    """A reference kernel imports NumPy and other reference kernels only (and erf, which NumPy
    lacks): nothing of the fast kernels, threads or settings, so a student reads it alone."""
    import ast
    import pathlib

    import strided.kernels.reference as reference

    for path in pathlib.Path(reference.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                assert name in ("math", "numpy", "numpy.lib.stride_tricks", "strided.kernels.special") or \
                    name.startswith("strided.kernels.reference"), f"{path.name} imports {name}"
