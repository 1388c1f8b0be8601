"""The standardisation half of ImageDataGenerator: rescale, sample-wise and feature-wise
normalisation and ZCA whitening, with `fit(x)` computing the dataset statistics they need.

Keras' order: preprocessing_function, rescale, samplewise_center, samplewise_std_normalization,
featurewise_center, featurewise_std_normalization, zca_whitening.
"""

import numpy as np

from strided.utils.random import make_rng


class Standardization:
    """Mixin for ImageDataGenerator (which sets the flags, `dtype`, `channel_axis` and `rescale`)."""

    def standardize(self, x):
        """preprocessing_function, rescale, sample-wise then feature-wise normalisation, ZCA (Keras' order).

        Works on one image or a batch; returns a new float array (the input is not modified).
        """
        x = np.array(x, dtype=self.dtype)
        if self.preprocessing_function is not None:
            x = np.asarray(self.preprocessing_function(x), dtype=self.dtype)
        if self.rescale:
            x = x * self.dtype.type(self.rescale)
        axes = tuple(range(1, x.ndim)) if x.ndim == 4 else None
        if self.samplewise_center:
            x = x - x.mean(axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (x.std(axis=axes, keepdims=True) + 1e-6)
        for flag, stat, what in (
            (self.featurewise_center, self.mean, "featurewise_center"),
            (self.featurewise_std_normalization, self.std, "featurewise_std_normalization"),
            (self.zca_whitening, self.principal_components, "zca_whitening"),
        ):
            if flag and stat is None:
                raise ValueError(
                    f"ImageDataGenerator: {what}=True needs statistics of the data; call .fit(x_train) first."
                )
        if self.featurewise_center:
            x = x - self.mean
        if self.featurewise_std_normalization:
            x = x / (self.std + 1e-6)
        if self.zca_whitening:
            shape = x.shape
            x = (
                x.reshape(-1, self.principal_components.shape[0]) @ self.principal_components
            ).reshape(shape)
        return x.astype(self.dtype, copy=False)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the dataset statistics that feature-wise normalisation and ZCA need.

        Args:
            x: training images (N, H, W, C) (or channels-first). `rescale` is applied first, so the
               statistics match what `standardize` sees.
            augment: compute them on `rounds` randomly augmented copies instead.
            seed: seed for the augmentation.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"ImageDataGenerator.fit: expected a batch of rank 4, received shape {x.shape}."
                + (" Add a channel axis with x[..., None]." if x.ndim == 3 else "")
            )
        if augment:
            rng = make_rng(seed)
            x = np.concatenate(
                [
                    self.apply_transform_batch(x, self.draw_parameters(len(x), x.shape[1:], rng))
                    for _ in range(rounds)
                ]
            )
        if self.rescale:
            x = x * self.dtype.type(self.rescale)
        spatial = (0, 1, 2) if self.channel_axis == 3 else (0, 2, 3)
        shape = (1, 1, x.shape[3]) if self.channel_axis == 3 else (x.shape[1], 1, 1)
        if self.featurewise_center:
            self.mean = x.mean(axis=spatial).reshape(shape).astype(self.dtype)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = x.std(axis=spatial).reshape(shape).astype(self.dtype)
            x = x / (self.std + 1e-6)
        if self.zca_whitening:  # Keras: on the (centred, scaled) data; sigma = X^T X / N
            flat = x.reshape(len(x), -1).astype(np.float64)
            u, s, _ = np.linalg.svd(flat.T @ flat / len(flat))
            self.principal_components = ((u / np.sqrt(s + self.zca_epsilon)) @ u.T).astype(
                self.dtype
            )
        return self


__all__ = ["Standardization"]
