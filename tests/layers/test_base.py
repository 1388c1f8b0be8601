"""The Layer contract: build on first call, weights, naming, tracking, symbolic calls, errors."""

import numpy as np
import pytest

from strided.autograd import Tensor, Variable
from strided.layers import Input, InputLayer, Layer
from strided.layers.keras_tensor import KerasTensor
from strided.layers.registry import deserialize, get_registered_class, serialize
from strided.utils import clear_session


@pytest.fixture(autouse=True)
def fresh_names():
    clear_session()


def ones(shape, dtype=None):
    return np.ones(shape, dtype=dtype)


class Scaler(Layer):
    """Multiplies by a learned per-feature scale and adds a frozen offset."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer=ones, name="scaler")
        self.offset = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="offset",
                                      trainable=False)

    def call(self, x):
        return x * self.scale + self.offset


class Noisy(Layer):
    def call(self, x, training=None):
        return x + 1.0 if training else x


class Failing(Layer):
    def call(self, x):
        raise ValueError("boom")


class Block(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Scaler()
        self.rest = [Scaler(), Noisy()]

    def call(self, x):
        x = self.first(x)
        for layer in self.rest:
            x = layer(x)
        return x


def test_builds_on_first_call_with_input_shape():
    layer = Scaler()
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 3)))
    assert layer.built
    assert isinstance(out, Tensor) and out.shape == (2, 3) and out.dtype == np.float32
    assert [v.name for v in layer.weights] == ["scaler", "offset"]
    assert layer.count_params() == 6


def test_weights_order_and_trainable_split():
    layer = Scaler()
    layer(np.ones((1, 4)))
    assert [v.name for v in layer.trainable_weights] == ["scaler"]
    assert [v.name for v in layer.non_trainable_weights] == ["offset"]
    assert layer.variables == layer.weights


def test_ndarray_inputs_are_cast_to_float32():
    out = Scaler()(np.ones((2, 3), dtype=np.float64))
    assert out.dtype == np.float32
    out = Scaler()(np.ones((2, 3), dtype=np.uint8))
    assert out.dtype == np.float32


def test_auto_names_are_unique_snake_case_and_reset():
    assert Scaler().name == "scaler"
    assert Scaler().name == "scaler_1"
    clear_session()
    assert Scaler().name == "scaler"
    assert Scaler(name="mine").name == "mine"


def test_unknown_constructor_argument_is_a_type_error():
    with pytest.raises(TypeError, match="filterz"):
        Scaler(filterz=3)


def test_input_shape_kwarg_is_recorded():
    assert Scaler(input_shape=(28, 28, 1))._batch_input_shape == (None, 28, 28, 1)
    assert Scaler(input_dim=5)._batch_input_shape == (None, 5)


def test_sublayers_in_attributes_and_lists_are_tracked():
    block = Block()
    block(np.ones((2, 3)))
    assert len(block.weights) == 4  # two Scaler layers, two weights each
    assert [l.name for l in block._flatten_layers(include_self=False)] == ["scaler", "scaler_1", "noisy"]


def test_trainable_false_propagates_to_sublayers_and_variables():
    block = Block()
    block(np.ones((2, 3)))
    block.trainable = False
    assert block.trainable_weights == []
    assert len(block.non_trainable_weights) == 4
    assert not block.first.trainable
    assert all(not v.requires_grad for v in block.weights)
    block.trainable = True
    assert len(block.trainable_weights) == 2


def test_training_flag_reaches_inner_layers():
    block = Block()
    x = np.zeros((1, 3))
    assert np.allclose(block(x).numpy(), 0.0)
    assert np.allclose(block(x, training=True).numpy(), 1.0)


def test_get_and_set_weights_round_trip_and_errors():
    layer = Scaler()
    layer(np.ones((1, 3)))
    layer.set_weights([np.full(3, 2.0), np.full(3, 0.5)])
    assert np.allclose(layer(np.ones((1, 3))).numpy(), 2.5)
    copies = layer.get_weights()
    copies[0][:] = 0
    assert np.allclose(layer.weights[0].numpy(), 2.0)  # get_weights returns copies
    with pytest.raises(ValueError, match="has 2 weights"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError, match="weight .scaler. has shape \\(3,\\)"):
        layer.set_weights([np.ones(4), np.ones(3)])


def test_count_params_before_build_raises():
    with pytest.raises(ValueError, match="isn't built"):
        Scaler().count_params()


def test_error_inside_call_is_wrapped_once_with_layer_name_and_shape():
    with pytest.raises(ValueError, match=r"^Error in Failing 'failing' \(input shape \(2, 3\), float32\): boom$"):
        Failing()(np.ones((2, 3)))

    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.inner = Failing()

        def call(self, x):
            return self.inner(x)

    with pytest.raises(ValueError) as info:
        Outer()(np.ones((2, 3)))
    assert str(info.value).count("Error in") == 1
    assert "Failing 'failing_1'" in str(info.value)


def test_missing_super_init_is_explained():
    class Forgetful(Layer):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Forgetful()(np.ones(2))


def test_symbolic_call_records_node_and_output_shape():
    x = Input(shape=(5,))
    assert isinstance(x, KerasTensor) and x.shape == (None, 5) and x.dtype == "float32"
    layer = Scaler()
    y = layer(x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 5)
    assert layer.built and layer.count_params() == 10
    assert layer.output is y and layer.input is x
    assert layer.output_shape == (None, 5)
    assert y._keras_history[0] is layer


def test_symbolic_shape_probe_handles_unknown_sizes():
    class Halve(Layer):
        def call(self, x):
            return x[:, ::2]

    y = Halve()(Input(shape=(None, 3)))
    assert y.shape == (None, None, 3)
    z = Halve()(Input(shape=(8, 3)))
    assert z.shape == (None, 4, 3)


def test_keras_tensor_has_no_values():
    x = Input(shape=(3,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    assert "KerasTensor shape=(None, 3)" in repr(x)


def test_input_layer_arguments():
    assert Input(shape=(28, 28, 1), batch_size=8).shape == (8, 28, 28, 1)
    assert InputLayer(batch_shape=(None, 4)).output.shape == (None, 4)
    with pytest.raises(ValueError, match="shape"):
        InputLayer()


def test_layer_output_before_any_symbolic_call():
    with pytest.raises(AttributeError, match="never been called"):
        Scaler().output  # noqa: B018  (the attribute access is what raises)


def test_add_weight_with_regularizer_adds_loss():
    class Reg(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer=ones,
                                     regularizer=lambda v: (v * v).sum() * 0.5)

        def call(self, x):
            return x * self.w

    layer = Reg()
    layer(np.ones((1, 2)))
    (loss,) = layer.losses
    assert float(loss.numpy()) == pytest.approx(1.0)


def test_variables_assigned_directly_are_weights():
    class Direct(Layer):
        def __init__(self):
            super().__init__()
            self.w = Variable(np.ones(3), name="w")

        def call(self, x):
            return x * self.w

    assert [v.name for v in Direct().weights] == ["w"]


def test_registry_and_config_round_trip():
    layer = Scaler(name="s", trainable=False)
    assert get_registered_class("Scaler") is Scaler
    entry = serialize(layer)
    assert entry["class_name"] == "Scaler"
    again = deserialize(entry)
    assert isinstance(again, Scaler) and again.name == "s" and not again.trainable
    with pytest.raises(ValueError, match="Unknown layer class 'Nope'"):
        deserialize({"class_name": "Nope", "config": {}})


def test_repr():
    assert repr(Scaler()) == "<Scaler name=scaler, built=False>"


def test_add_loss_is_replaced_on_each_outer_call():
    class Activity(Layer):
        def call(self, x):
            self.add_loss((x * x).sum() * 0.5)
            return x

    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.inner = Activity()

        def call(self, x):
            return self.inner(x)

    outer = Outer()
    outer(np.ones((1, 2)))
    outer(np.full((1, 2), 2.0))
    (loss,) = outer.losses
    assert float(loss.numpy()) == pytest.approx(4.0)
