"""receptive_field: lesson 003's formula, its worked numbers, and the empirical definition
(the gradient of one output unit w.r.t. the input is non-zero exactly inside the field)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strided.layers as L
from strided import ops
from strided.autograd import Tensor
from strided.models import Model, Sequential
from strided.viz import plot_receptive_field, receptive_field


# ------------------------------------------------------------------ the lesson's numbers
def test_lesson_003_worked_example():
    # Layer 1: k=3, s=1; layer 2: k=5, s=2.  R1 = 3, R2 = 3 + (5 - 1) * 1 = 7.
    table = receptive_field([(3, 1), (5, 2)])
    assert [row.size for row in table] == [(3, 3), (7, 7)]
    assert [row.jump for row in table] == [(1, 1), (2, 2)]


def lesson_calculate_receptive_field(kernel_size, stride, num_layers):
    """Verbatim from lesson 003 (the same kernel and stride in every layer)."""
    rf = kernel_size
    for i in range(1, num_layers):
        rf = rf + (kernel_size - 1) * (stride ** (i))
    return rf


@pytest.mark.parametrize("kernel", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("layers", [1, 2, 3, 5])
def test_agrees_with_the_lessons_interactive_formula(kernel, stride, layers):
    table = receptive_field([(kernel, stride)] * layers)
    assert table[-1].size == (lesson_calculate_receptive_field(kernel, stride, layers),) * 2


@given(st.lists(st.tuples(st.integers(1, 7), st.integers(1, 4)), min_size=1, max_size=6))
def test_agrees_with_the_general_formula(specs):
    # R_L = R_{L-1} + (k_L - 1) * prod(strides before L), R_1 = k_1
    table = receptive_field(specs)
    r, product = 1, 1
    for (k, s), row in zip(specs, table):
        r += (k - 1) * product
        product *= s
        assert row.size == (r, r) and row.jump == (product, product)


def test_dilation_enlarges_the_kernel_and_pooling_counts():
    table = receptive_field([(3, 1, "valid", 2), (2, 2), (3, 1)])
    # dilated 3-tap kernel spans 5; pool 2 adds 1; last conv adds 2 * jump 2
    assert [row.size[0] for row in table] == [5, 6, 10]


# ------------------------------------------------------------------ empirical checks
def gradient_support(forward, image_shape, position, channels=1):
    """Boolean (H, W) mask of the input pixels whose gradient for output unit `position` is
    non-zero; all weights and inputs positive so nothing cancels."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.uniform(0.5, 1.5, (1, *image_shape, channels)), requires_grad=True)
    y = forward(x)
    seed = np.zeros(y.shape)
    seed[(0, *position, 0)] = 1.0
    y.backward(seed)
    return np.abs(x.grad[0]).sum(axis=-1) > 0


def box_mask(table, position, shape, layer=None):
    mask = np.zeros(shape, dtype=bool)
    bounds = table.field(position, layer)
    if all(hi >= lo for lo, hi in bounds):
        mask[tuple(slice(lo, hi + 1) for lo, hi in bounds)] = True
    return mask


def support_mask(table, position, shape, layer=None):
    rows, cols = table.support(position, layer)
    mask = np.zeros(shape, dtype=bool)
    mask[np.ix_(rows, cols)] = True
    return mask


def sample_positions(output_size, rng, count=6):
    corners = [tuple(0 for _ in output_size), tuple(n - 1 for n in output_size),
               tuple(n // 2 for n in output_size)]
    extra = [tuple(int(rng.integers(0, n)) for n in output_size) for _ in range(count - 3)]
    return corners + extra


def spec_forward(specs):
    """The specs run with strided.ops: conv with an all-ones kernel, or average pooling."""
    def forward(x):
        for kind, k, s, padding, d in specs:
            if kind == "conv":
                x = ops.conv(x, np.ones((k, k, 1, 1)), strides=s, padding=padding, dilation_rate=d)
            else:
                x = ops.average_pool(x, k, s, padding=padding)
        return x
    return forward


padding_choice = st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2))
conv_spec = st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 3), padding_choice,
                      st.integers(1, 2))
pool_spec = st.tuples(st.just("pool"), st.integers(2, 3), st.integers(1, 3),
                      st.sampled_from(["valid", "same", 1]), st.just(1))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(conv_spec, pool_spec), min_size=1, max_size=4), st.integers(17, 26),
       st.integers(17, 26))
def test_gradient_is_non_zero_exactly_inside_the_field(specs, height, width):
    table = receptive_field([(k, s, p, d) for _, k, s, p, d in specs], input_size=(height, width))
    if min(min(row.output_size) for row in table) < 1:
        return  # the image is too small for this stack
    output_size = table[-1].output_size
    forward = spec_forward(specs)
    assert forward(Tensor(np.ones((1, height, width, 1)))).shape[1:3] == output_size
    for position in sample_positions(output_size, np.random.default_rng(height * width)):
        support = gradient_support(forward, (height, width), position)
        assert (support == support_mask(table, position, (height, width))).all(), position
        rows, cols = np.nonzero(support)
        if rows.size:
            assert table.field(position) == ((rows.min(), rows.max()), (cols.min(), cols.max()))
        else:
            assert any(hi < lo for lo, hi in table.field(position))


def test_a_lone_dilated_kernel_has_holes_inside_its_bounding_box():
    table = receptive_field([(3, 1, "valid", 3)], input_size=(12, 12))
    support = gradient_support(spec_forward([("conv", 3, 1, "valid", 3)]), (12, 12), (2, 4))
    assert table.field((2, 4)) == ((2, 8), (4, 10))
    rows, cols = np.nonzero(support)
    assert sorted(set(rows)) == [2, 5, 8] and sorted(set(cols)) == [4, 7, 10]
    assert [s.tolist() for s in table.support((2, 4))] == [[2, 5, 8], [4, 7, 10]]


def test_a_unit_that_sees_only_padding_has_an_empty_field():
    table = receptive_field([(1, 1, 2)], input_size=(6, 6))
    (top, bottom), _ = table.field((0, 0))
    assert bottom < top
    support = gradient_support(spec_forward([("conv", 1, 1, 2, 1)]), (6, 6), (0, 0))
    assert not support.any() and not box_mask(table, (0, 0), (6, 6)).any()


def positive_model(layers, shape):
    model = Sequential([L.Input(shape=shape), *layers])
    rng = np.random.default_rng(1)
    model.set_weights([rng.uniform(0.1, 1.0, w.shape) for w in model.get_weights()])
    return model


ARCHITECTURES = {
    "strides_same_avgpool": lambda: [
        L.Conv2D(2, 5, strides=2, padding="same", activation="relu"),
        L.Conv2D(2, 3, padding="same", dilation_rate=2),
        L.AveragePooling2D(3, strides=2, padding="same"),
        L.Conv2D(1, 3, strides=2, padding=1),
    ],
    "asymmetric_padding_cropping": lambda: [
        L.ZeroPadding2D(((1, 2), (0, 3))),
        L.Conv2D(2, (4, 2), strides=(2, 1)),
        L.BatchNormalization(),
        L.Cropping2D(((1, 0), (2, 1))),
        L.Conv2D(1, 3, dilation_rate=(2, 1)),
    ],
    "lenet_like": lambda: [
        L.Conv2D(3, 5, padding="same", activation="relu"),
        L.AveragePooling2D(2),
        L.Dropout(0.5),
        L.Conv2D(2, 5, activation="relu"),
        L.LPPooling2D(p=2, pool_size=2),
        L.Activation("relu"),
    ],
    "depthwise_separable": lambda: [
        L.DepthwiseConv2D(3, strides=2, padding="same"),
        L.SeparableConv2D(2, 3, padding="same"),
        L.AveragePooling2D(2, strides=1),
    ],
}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("shape", [(21, 19, 2), (24, 24, 2)])
def test_layer_models_match_their_gradients(name, shape):
    model = positive_model(ARCHITECTURES[name](), shape)
    table = receptive_field(model)
    assert table.input_size == shape[:2]
    output_size = table[-1].output_size
    assert tuple(model.output_shape[1:3]) == output_size
    for position in sample_positions(output_size, np.random.default_rng(7)):
        support = gradient_support(lambda x: model(x, training=False), shape[:2], position,
                                   channels=shape[2])
        assert (support == support_mask(table, position, shape[:2])).all(), (name, position)
        rows, cols = np.nonzero(support)
        assert table.field(position) == ((rows.min(), rows.max()), (cols.min(), cols.max()))


def test_max_pooling_gradient_stays_inside_the_field():
    model = positive_model([L.Conv2D(2, 3, activation="relu"), L.MaxPooling2D(2),
                            L.Conv2D(2, 3), L.MaxPooling2D(2)], (20, 20, 1))
    table = receptive_field(model)
    assert [row.size for row in table] == [(3, 3), (4, 4), (8, 8), (10, 10)]
    for position in [(0, 0), (1, 2), (2, 2)]:
        support = gradient_support(lambda x: model(x, training=False), (20, 20), position)
        assert support.any() and not (support & ~box_mask(table, position, (20, 20))).any()


def test_conv1d_causal_and_dilated():
    model = positive_model([L.Conv1D(2, 3, padding="causal", dilation_rate=2),
                            L.Conv1D(1, 2, strides=2)], (16, 1))
    table = receptive_field(model)
    assert [row.size for row in table] == [(5,), (6,)] and table[0].padding == (4,)
    x = Tensor(np.ones((1, 16, 1)), requires_grad=True)
    y = model(x)
    seed = np.zeros(y.shape)
    seed[0, 3, 0] = 1.0
    y.backward(seed)
    (lo, hi), = table.field((3,))
    assert np.flatnonzero(x.grad[0, :, 0]).tolist() == list(range(lo, hi + 1))


# ------------------------------------------------------------------ the table itself
def test_table_stops_at_non_spatial_layers_and_prints():
    model = Sequential([L.Input(shape=(28, 28, 1)),
                        L.Conv2D(32, 3, activation="relu", name="conv2d"),
                        L.MaxPooling2D(2, name="max_pooling2d"), L.Conv2D(64, 3, name="conv2d_1"),
                        L.MaxPooling2D(2, name="max_pooling2d_1"), L.Flatten(name="flatten"),
                        L.Dense(10)])
    table = receptive_field(model)
    assert [row.name for row in table] == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    assert table.stopped_at == ("flatten", "Flatten")
    assert table["conv2d_1"].size == (8, 8) and table[-1].output_size == (5, 5)
    assert table[-1].start == (4.5, 4.5)   # unit 0 sees pixels 0..9
    text = str(table)
    assert "receptive field" in text and "conv2d_1" in text and "10x10" in text
    assert "stopped at flatten" in text
    with pytest.raises(KeyError, match="no layer named"):
        table["nope"]
    with pytest.raises(ValueError, match="outside the output"):
        table.field((5, 0))


def test_nested_model_and_functional_model():
    inputs = L.Input(shape=(16, 16, 3))
    base = Model(inputs, L.Conv2D(4, 3, strides=2)(inputs))
    model = Sequential([L.Input(shape=(16, 16, 3)), base, L.Conv2D(2, 3), L.GlobalAveragePooling2D()])
    table = receptive_field(model)
    assert [row.size for row in table] == [(3, 3), (7, 7)]
    assert table.stopped_at[1] == "GlobalAveragePooling2D"


def test_same_padding_needs_the_input_size_for_odd_sizes():
    # 'same', k=3, s=2: on 8 pixels the padding is (0, 1); on 7 pixels (1, 1)
    assert receptive_field([(3, 2, "same")], input_size=8)[0].first == (0, 0)
    assert receptive_field([(3, 2, "same")], input_size=7)[0].first == (-1, -1)
    assert receptive_field([(3, 2, "same")], input_size=7).field((0, 0)) == ((0, 1), (0, 1))


def test_mismatched_spatial_axes_are_reported():
    with pytest.raises(ValueError, match="works on 1 spatial axes, but the input has 2"):
        receptive_field([((3,), 1)], input_size=(8, 8))


def test_plot_receptive_field_draws_the_box(tmp_path):
    from matplotlib.image import imread

    image = np.random.default_rng(0).uniform(size=(32, 32, 3))
    path = tmp_path / "rf.png"
    figure = plot_receptive_field([(3, 1), (5, 2), (3, 2)], image, save_path=path)
    ax, = figure.axes
    assert len(ax.images) == 1 and len(ax.patches) == 2
    box = ax.patches[0]
    assert (box.get_width(), box.get_height()) == (11, 11)   # 3 + 4 * 1 + 2 * 2 = 11
    assert "11x11" in ax.get_title() and box.get_xy() == (11.5, 11.5)  # unit (3, 3): 12..22
    assert imread(path).shape[2] in (3, 4)
    figure = plot_receptive_field([(3, 1)], image[:, :, 0], position=(0, 0))
    assert figure.axes[0].patches[0].get_xy() == (-0.5, -0.5)
