"""EinsumDense: a Dense layer whose contraction is written as an einsum equation.

    y = einsum(equation, x, kernel) + bias

"abc,cd->abd" is Dense on the last axis of a sequence; "abc,cde->abde" projects each token
into (heads, key_dim), the query/key/value projections of MultiHeadAttention. The kernel's
shape is read from the equation: an axis of the kernel takes its size from `output_shape`
when it appears in the output, else from the input. `bias_axes` lists output axes that get a
bias; the bias spans the output from its first such axis to the end (1 on the others).

"..." is allowed at the start ("...b,bc->...c") or the end ("ab...,bc->ac...") of the input
and output, for the axes the equation does not name.
"""

import re
import string

from strided import ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


def analyze_equation(layer, equation, bias_axes, input_shape, output_shape):
    """(explicit equation, kernel shape, bias shape or None, full output shape) for `input_shape`.

    `output_shape` is Keras' partial output shape: without the batch axis and without the axes
    covered by "...".
    """
    match = re.fullmatch(r"(\.\.\.)?([a-zA-Z]+)(\.\.\.)?,([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)(\.\.\.)?", equation)
    if not match or (match.group(1) or match.group(3)) and not (match.group(5) or match.group(7)) or (
            match.group(1) and match.group(3)):
        raise ValueError(
            f"{layer}: invalid einsum equation {equation!r}. Equations must be in the form [X],[Y]->[Z], "
            f"...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        )
    left, input_spec, right, weight_spec, _, output_spec, _ = match.groups()
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided and not (left or right)):
        raise ValueError(
            f"{layer}: the equation {equation!r} names {len(input_spec)} input axes, but the input has shape "
            f"{tuple(input_shape)}."
        )
    spare = [c for c in string.ascii_letters if c not in input_spec + weight_spec + output_spec][:elided]
    spare = "".join(spare)
    partial = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    if left:
        input_spec, output_spec = spare + input_spec, spare + output_spec
    else:
        input_spec, output_spec = input_spec + spare, output_spec + spare
    # Keras: the user's output_shape covers every output axis except the first and the elided ones.
    if left and elided:
        full = [input_shape[0], *input_shape[1:elided], *partial]
    else:
        full = [input_shape[0], *partial, *(input_shape[len(input_shape) - elided:] if elided else [])]
    if len(full) != len(output_spec):
        raise ValueError(
            f"{layer}: output_shape={output_shape!r} does not fit the equation {equation!r} (the output has "
            f"{len(output_spec)} axes, the first one being the batch)."
        )
    sizes = {}
    for letter, size in zip(input_spec, input_shape):
        sizes[letter] = size
    for letter, size in zip(output_spec, full):
        if size is not None and sizes.get(letter) not in (None, size) and letter in input_spec:
            raise ValueError(
                f"{layer}: input shape and output shape do not match at shared dimension {letter!r}: input "
                f"{sizes[letter]}, output {size}."
            )
    full = [size if size is not None else sizes.get(letter) for letter, size in zip(output_spec, full)]
    for letter in output_spec:
        if letter not in input_spec and letter not in weight_spec:
            raise ValueError(f"{layer}: dimension {letter!r} of the output is in neither the input nor the kernel.")
    kernel_shape = []
    for letter in weight_spec:
        if letter in output_spec:
            kernel_shape.append(full[output_spec.index(letter)])
        elif letter in input_spec:
            kernel_shape.append(input_shape[input_spec.index(letter)])
        else:
            raise ValueError(f"{layer}: kernel dimension {letter!r} is in neither the input nor the output of {equation!r}.")
    if any(size is None for size in kernel_shape):
        raise ValueError(f"{layer}: the kernel's shape {kernel_shape} depends on an unknown input size {tuple(input_shape)}.")
    bias_shape = None
    if bias_axes:
        for letter in bias_axes:
            if letter not in output_spec:
                raise ValueError(f"{layer}: bias axis {letter!r} is not an output axis of {equation!r}.")
        first = min(output_spec.index(letter) for letter in bias_axes)
        bias_shape = [full[i] if output_spec[i] in bias_axes else 1 for i in range(first, len(output_spec))]
    explicit = f"{input_spec},{weight_spec}->{output_spec}"
    return explicit, tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape), tuple(full)


class EinsumDense(Layer):
    """A Dense layer over any axes, written as an einsum equation.

    Args:
        equation: "ab,bc->ac" style, the input first and the kernel second.
        output_shape: the output's shape without the batch axis (and without "..." axes);
            an int for a single axis; None entries take the input's size.
        activation: applied after the bias. bias_axes: output letters with a bias (None: no bias).
        kernel_initializer, bias_initializer, *_regularizer, *_constraint: as Dense.

    Weights: kernel (shape from the equation), then bias (when bias_axes).

    Example:
        >>> EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de")(np.zeros((2, 5, 16))).shape
        (2, 5, 4, 8)
    """

    _traceable_inference = True

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string. Received: equation={equation!r}")
        if lora_rank:
            raise NotImplementedError("EinsumDense: LoRA (lora_rank) is not implemented in strided.")
        self.equation = equation
        self.output_shape_argument = output_shape
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        U.set_weight_arguments(
            self, activation=activation, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )

    def build(self, input_shape):
        self._explicit, kernel_shape, bias_shape, self.full_output_shape = analyze_equation(
            "EinsumDense", self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        self.kernel = U.add_configured_weight(self, "kernel", kernel_shape)
        self.bias = None if bias_shape is None else U.add_configured_weight(self, "bias", bias_shape)
        self.built = True

    def call(self, inputs):
        outputs = ops.einsum(self._explicit, inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return U.add_activity_penalty(self, self.activation(outputs))

    def compute_output_shape(self, input_shape):
        _, _, _, full = analyze_equation("EinsumDense", self.equation, self.bias_axes, tuple(input_shape),
                                         self.partial_output_shape)
        return (input_shape[0], *full[1:])

    def get_config(self):
        config = super().get_config()
        config.update(output_shape=self.partial_output_shape, equation=self.equation, bias_axes=self.bias_axes)
        config.update(U.config_of(self, "activation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                  "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"))
        return config


__all__ = ["EinsumDense"]
