"""Attention (Luong-style dot product) and AdditiveAttention (Bahdanau-style), Keras 3 semantics.

For query (B, Tq, d), value (B, Tv, d) and key (B, Tv, d) (key defaults to value):

    Attention, score_mode="dot":     scores = query @ key^T            (* scale, if use_scale)
    Attention, score_mode="concat":  scores = w * sum_d tanh(scale * (q_i + k_j))
    AdditiveAttention:               scores = sum_d scale_d * tanh(q_i + k_j)
    weights = softmax(scores) over Tv (masked keys get -1e9 first); output = weights @ value
"""

import numpy as np

from strided import ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.regularization import Dropout


class _BaseAttention(Layer):
    """Shared call: inputs [query, value] or [query, value, key], masks, causal mask, dropout."""

    def __init__(self, use_scale, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.dropout = U.check_rate(type(self).__name__, dropout)
        self.seed = seed
        self._dropout_layer = Dropout(self.dropout, seed=seed, dtype=self._dtype)
        self.supports_masking = True

    def _check(self, input_shape):
        name = type(self).__name__
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (2, 3) or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or [query, value, key]. "
                f"Received: input_shape={input_shape!r}"
            )
        for shape in input_shape:
            if len(shape) != 3:
                raise ValueError(f"{name}: expected 3-D inputs (batch, steps, features), received shape {tuple(shape)}.")

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        output = (*tuple(input_shape[0])[:-1], input_shape[1][-1])
        if self.__dict__.get("_returning_scores"):
            return output, (input_shape[0][0], input_shape[0][1], input_shape[1][1])
        return output

    def _symbolic_call(self, inputs, args, kwargs, training):
        # With return_attention_scores the symbolic call returns two KerasTensors, as Keras.
        self._returning_scores = bool(kwargs.get("return_attention_scores"))
        try:
            return super()._symbolic_call(inputs, args, kwargs, training)
        finally:
            self._returning_scores = False

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._check([tuple(t.shape) for t in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._scores(query, key)
        allowed = None if value_mask is None else np.asarray(getattr(value_mask, "data", value_mask)).astype(bool)[:, None, :]
        if use_causal_mask:
            causal = np.tril(np.ones(scores.shape[-2:], bool))[None]
            allowed = causal if allowed is None else allowed & causal
        if allowed is not None:
            scores = ops.where(allowed, scores, ops.subtract(scores, 1e9))
        weights = ops.softmax(scores, axis=-1)
        output = ops.matmul(self._dropout_layer(weights, training=training), value)
        if query_mask is not None:
            keep = np.asarray(getattr(query_mask, "data", query_mask)).astype(bool)[..., None]
            output = ops.where(keep, output, np.zeros((), output.dtype))
        return (output, weights) if return_attention_scores else output

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, dropout=self.dropout)
        return config


class Attention(_BaseAttention):
    """Dot-product attention layer (Luong et al. 2015): `Attention()([query, value])`.

    Args:
        use_scale: learn a scalar that multiplies the scores ("scale", initialised to 1).
        score_mode: "dot" (query @ key^T) or "concat" (sum of tanh(query + key)).
        dropout: on the attention weights while training. seed: optional int.

    Call: `layer([query, value(, key)], mask=[query_mask, value_mask], return_attention_scores=False,
    use_causal_mask=False)`.

    Weights: scale () when use_scale; concat_score_weight () when score_mode="concat".

    Shape: [(B, Tq, d), (B, Tv, d)] -> (B, Tq, d); scores (B, Tq, Tv).

    Example:
        >>> Attention()([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale, dropout, seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                             f"Received: score_mode={score_mode!r}")
        self.score_mode = score_mode

    def build(self, input_shape):
        self._check(input_shape)
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale") if self.use_scale else None
        self.concat_score_weight = None
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
        self.built = True

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ops.multiply(pairs, self.scale)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(pairs), axis=-1))

    def get_config(self):
        config = super().get_config()
        config.update(score_mode=self.score_mode, seed=self.seed)
        return config


class AdditiveAttention(_BaseAttention):
    """Additive attention (Bahdanau et al. 2015): scores = sum_d scale_d * tanh(query_i + key_j).

    Args:
        use_scale: learn a per-feature scale vector ("scale", shape (d,), Glorot-uniform).
        dropout: on the attention weights while training.

    Call, shapes and masks: as Attention.

    Example:
        >>> AdditiveAttention()([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale, dropout, kwargs.pop("seed", None), **kwargs)

    def build(self, input_shape):
        self._check(input_shape)
        dim = input_shape[0][-1]
        self.scale = self.add_weight(shape=(dim,), initializer="glorot_uniform", name="scale") if self.use_scale else None
        self.built = True

    def _scores(self, query, key):
        terms = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            terms = ops.multiply(terms, self.scale)
        return ops.sum(terms, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


__all__ = ["AdditiveAttention", "Attention"]
