"""Embedding: integer ids -> learned dense vectors (a lookup table trained by backprop).

    y[..., :] = embeddings[ids[...], :]        (N, ...) ints -> (N, ..., output_dim)

The gradient of a lookup adds each upstream row into the row of the table it came from
(rows looked up twice receive both gradients). Used for tokens and, in the Vision-Transformer
examples, for the positions of image patches.
"""

import numpy as np

from strided import initializers, ops, regularizers
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


class Embedding(Layer):
    """Map each integer in [0, input_dim) to a trainable vector of size output_dim.

    Args:
        input_dim: vocabulary size (largest id + 1). output_dim: size of each vector.
        embeddings_initializer: default "uniform" (U(-0.05, 0.05), as Keras).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as Dense.
        mask_zero: stored for Keras compatibility; strided does not propagate masks, so id 0 is
            looked up like any other id (its vector is still returned).

    Weights: embeddings (input_dim, output_dim).

    Shape: (N, ...) -> (N, ..., output_dim).

    Example:
        >>> Embedding(10, 4)(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    # Not traceable: the ids are read from the input's values outside ops (a replayed trace
    # would look up the first call's ids).

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, activity_regularizer=None, **kwargs):
        kwargs.pop("input_length", None)  # Keras 2 argument, ignored by Keras 3 too
        super().__init__(**kwargs)
        name = type(self).__name__
        self.input_dim = U.check_positive_int(name, "input_dim", input_dim)
        self.output_dim = U.check_positive_int(name, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = U.get_constraint(name, "embeddings_constraint", embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build(None)
            self.set_weights(weights if isinstance(weights, (list, tuple)) else [weights])
            self.built = True

    def build(self, input_shape=None):
        if getattr(self, "embeddings", None) is not None:
            return
        self.embeddings = U.add_configured_weight(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs):
        ids = np.asarray(inputs.data if hasattr(inputs, "data") else inputs)
        if ids.dtype.kind == "f":
            if not np.all(ids == np.round(ids)):
                raise ValueError(f"Embedding '{self.name}': expected integer ids, received non-integer values.")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(
                f"Embedding '{self.name}': ids must be in [0, input_dim={self.input_dim}); received ids from "
                f"{int(ids.min())} to {int(ids.max())}. Increase input_dim to the vocabulary size."
            )
        return U.add_activity_penalty(self, ops.take(self.embeddings, ids, axis=0))

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs.data if hasattr(inputs, "data") else inputs) != 0

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, "input_dim", "output_dim", "embeddings_initializer",
                                  "embeddings_regularizer", "activity_regularizer", "embeddings_constraint",
                                  "mask_zero"))
        return config


__all__ = ["Embedding"]
