"""MultiHeadAttention (Vaswani et al. 2017), with Keras 3's weights and equations.

For query (B, T, d) and value/key (B, S, d_v):

    Q = query @ Wq + bq    (B, T, heads, key_dim)      "abc,cde->abde"
    K = key   @ Wk + bk    (B, S, heads, key_dim)
    V = value @ Wv + bv    (B, S, heads, value_dim)
    scores = softmax(Q K^T / sqrt(key_dim))  (B, heads, T, S), masked positions get -1e9 first
    out = (scores V) @ Wo + bo   (B, T, output_dim)    "abcd,cde->abe"

The projections are EinsumDense sub-layers named query, key, value and attention_output,
created in that order, so `weights` lists Keras' eight arrays in Keras' order and
`set_weights(keras_layer.get_weights())` gives equal outputs. Attention runs over axis 1
(the sequence); `attention_axes` other than that is not implemented.
"""

import math

import numpy as np

from strided import initializers, ops, regularizers
from strided.layers import _call_context
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.einsum_dense import EinsumDense
from strided.layers.keras_tensor import Node
from strided.layers.regularization import Dropout
from strided.layers.shapes import _keras_tensors_for


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (self-attention when query is value).

    Args:
        num_heads: number of attention heads. key_dim: size of each head for query and key.
        value_dim: size of each head for value (default key_dim). dropout: on the attention
            probabilities while training. use_bias: biases in the projections.
        output_shape: last-axis size of the output (default the query's). attention_axes: None
            (axis 1) only. kernel_/bias_ initializer, regularizer, constraint: of the projections.
        seed: optional int for the dropout.

    Call: `layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; attention_mask (B, T, S) is True where attending
    is allowed.

    Shape: (B, T, d) -> (B, T, output_dim), scores (B, heads, T, S).

    Example:
        >>> x = np.zeros((2, 16, 32), "float32")
        >>> MultiHeadAttention(num_heads=4, key_dim=8)(x, x).shape
        (2, 16, 32)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, use_gate=False, sliding_window=None,
                 flash_attention=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.num_heads = U.check_positive_int(name, "num_heads", num_heads)
        self.key_dim = U.check_positive_int(name, "key_dim", key_dim)
        self.value_dim = self.key_dim if value_dim is None else U.check_positive_int(name, "value_dim", value_dim)
        self.dropout = U.check_rate(name, dropout)
        self.use_bias = bool(use_bias)
        if use_gate or sliding_window is not None:
            raise NotImplementedError(f"{name}: use_gate and sliding_window are not implemented in strided.")
        if attention_axes is not None and tuple(np.atleast_1d(attention_axes)) not in ((1,), (-2,)):
            raise NotImplementedError(
                f"{name}: attention over axes other than the sequence axis 1 is not implemented. "
                f"Received: attention_axes={attention_axes!r}"
            )
        self.attention_axes = attention_axes
        if output_shape:  # Keras keeps it as a tuple
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
            if len(output_shape) != 1:
                raise NotImplementedError(
                    f"{name}: an output_shape of several axes is not implemented. Received: output_shape={output_shape!r}"
                )
        self.output_shape_argument = output_shape or None
        self.seed = seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = U.get_constraint(name, "kernel_constraint", kernel_constraint)
        self.bias_constraint = U.get_constraint(name, "bias_constraint", bias_constraint)
        self._query_dense = self._projection("query", (None, self.num_heads, self.key_dim), "de")
        self._key_dense = self._projection("key", (None, self.num_heads, self.key_dim), "de")
        self._value_dense = self._projection("value", (None, self.num_heads, self.value_dim), "de")
        self._output_dense = None  # needs the query's size unless output_shape is given
        self._dropout_layer = Dropout(self.dropout, seed=seed, dtype=self._dtype)

    def _projection(self, name, output_shape, bias_axes, equation="abc,cde->abde"):
        return EinsumDense(
            equation, output_shape, bias_axes=bias_axes if self.use_bias else None, name=name,
            kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint, dtype=self._dtype,
        )

    def _output_dim(self, query_shape):
        if self.output_shape_argument is None:
            return query_shape[-1]
        return self.output_shape_argument[-1]

    def _build_projections(self, query_shape, value_shape, key_shape=None):
        name = type(self).__name__
        for label, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape is not None and len(shape) != 3:
                raise NotImplementedError(
                    f"{name}: expected a 3-D {label} (batch, sequence, features), received shape {tuple(shape)}; "
                    f"attention over several axes is not implemented."
                )
        key_shape = value_shape if key_shape is None else key_shape
        self._query_dense._maybe_build(tuple(query_shape))
        self._key_dense._maybe_build(tuple(key_shape))
        self._value_dense._maybe_build(tuple(value_shape))
        if self._output_dense is None:
            self._output_dense = self._projection(
                "attention_output", (None, self._output_dim(query_shape)), "e", equation="abcd,cde->abe"
            )
        self._output_dense._maybe_build((query_shape[0], query_shape[1], self.num_heads, self.value_dim))
        self.built = True

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is not None:
            self._build_projections(query_shape, value_shape, key_shape)
        self.built = True  # otherwise the projections are built on the first call, from every input

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None):
        key = value if key is None else key
        if self._output_dense is None or not self._output_dense.built:
            self._build_projections(query.shape, value.shape, key.shape)
        q = ops.multiply(self._query_dense(query), 1.0 / math.sqrt(self.key_dim))
        k = self._key_dense(key)
        v = self._value_dense(value)
        scores = ops.einsum("aecd,abcd->acbe", k, q)  # (B, heads, T, S)
        mask = self._mask(query.shape[1], key.shape[1], attention_mask, use_causal_mask, query_mask, value_mask,
                          key_mask)
        if mask is not None:
            scores = ops.where(mask[:, None], scores, np.asarray(-1e9, scores.dtype))
        probabilities = ops.softmax(scores, axis=-1)
        dropped = self._dropout_layer(probabilities, training=training)
        attended = ops.einsum("acbe,aecd->abcd", dropped, v)  # (B, T, heads, value_dim)
        outputs = U.add_activity_penalty(self, self._output_dense(attended))
        return (outputs, probabilities) if return_attention_scores else outputs

    @staticmethod
    def _mask(t, s, attention_mask, use_causal_mask, query_mask, value_mask, key_mask):
        """A boolean (B or 1, T, S) array: True where a query may attend to a key, or None."""
        mask = None
        if attention_mask is not None:
            mask = np.asarray(getattr(attention_mask, "data", attention_mask)).astype(bool)
        for row, column in ((query_mask, None), (None, value_mask), (None, key_mask)):
            part = row if row is not None else column
            if part is None:
                continue
            part = np.asarray(getattr(part, "data", part)).astype(bool)
            part = part[:, :, None] if row is not None else part[:, None, :]
            mask = part if mask is None else mask & part
        if use_causal_mask:
            causal = np.tril(np.ones((t, s), bool))[None]
            mask = causal if mask is None else mask & causal
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return (*tuple(query_shape)[:-1], self._output_dim(query_shape))

    def _symbolic_call(self, inputs, args, kwargs, training):
        value = args[0] if args else kwargs.get("value")
        key = args[1] if len(args) > 1 else kwargs.get("key")
        try:
            if value is None:
                raise TypeError(f"{type(self).__name__}: call it as layer(query, value); the value is missing.")
            self._build_projections(inputs.shape, value.shape, None if key is None else key.shape)
        except Exception as error:
            raise _call_context.with_layer_context(error, self, inputs) from None
        output = self.compute_output_shape(inputs.shape)
        if kwargs.get("return_attention_scores"):
            s = (key if key is not None else value).shape[1]
            output = (output, (inputs.shape[0], self.num_heads, inputs.shape[1], s))
        outputs = _keras_tensors_for(output, self._dtype)
        call_kwargs = dict(kwargs)
        if training is not None:
            call_kwargs["training"] = training
        Node(self, inputs, call_kwargs, outputs, extra_args=args)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim, dropout=self.dropout,
            use_bias=self.use_bias, use_gate=False, output_shape=self.output_shape_argument,
            attention_axes=self.attention_axes, sliding_window=None, seed=self.seed,
        )
        config.update(U.config_of(self, "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                  "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"))
        return config


__all__ = ["MultiHeadAttention"]
