"""Normalization layers: BatchNormalization, LayerNormalization and GroupNormalization.

All compute y = gamma * (x - mean) / sqrt(var + epsilon) + beta; they differ in which values
the mean and variance are taken over:

    BatchNormalization:  over the batch (and spatial axes), per channel; at inference the
                         moving averages collected during training are used instead.
    LayerNormalization:  over the features of each sample.
    GroupNormalization:  over groups of channels (and spatial axes) of each sample.
"""

from strided import initializers, ops, regularizers
from strided.autograd import no_grad
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


def _axes(layer, axis):
    """`axis` as a tuple of ints (Keras accepts an int or a list)."""
    values = (axis,) if isinstance(axis, int) else tuple(axis)
    if not values or not all(isinstance(a, int) and not isinstance(a, bool) for a in values):
        raise TypeError(f"{layer}: `axis` must be an int or a list of ints. Received: axis={axis!r}")
    return values


def _resolve_axes(layer, axes, input_shape):
    ndim = len(input_shape)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{layer}: axis {a} is out of range for an input of rank {ndim} (shape {tuple(input_shape)})."
            )
    resolved = tuple(sorted({a % ndim for a in axes}))
    if any(input_shape[a] is None for a in resolved):
        raise ValueError(f"{layer}: the size of axis {axes} must be known. Received input shape {tuple(input_shape)}.")
    return resolved


class _Affine(Layer):
    """Shared arguments: gamma (scale) and beta (center) with their initializers/regularizers."""

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon <= 0:
            raise ValueError(f"{name}: `epsilon` must be a positive float. Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = U.get_constraint(name, "beta_constraint", beta_constraint)
        self.gamma_constraint = U.get_constraint(name, "gamma_constraint", gamma_constraint)

    def _add_gamma_beta(self, shape):
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    _CONFIG = ("epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer",
               "gamma_regularizer", "beta_constraint", "gamma_constraint")

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, *self._CONFIG))
        config["axis"] = self.axis if isinstance(self.axis, int) else list(self.axis)
        return config


class BatchNormalization(_Affine):
    """Normalise each channel with the batch's statistics while training, and with moving
    averages of them at inference (Keras semantics).

    Training (`training=True` and the layer is trainable):
        y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta, and
        moving_mean = moving_mean * momentum + mean_batch * (1 - momentum) (same for the
        variance, the biased batch variance, as Keras).
    Inference (`training` falsy, or `layer.trainable = False` — a frozen layer in transfer
    learning stays in inference mode even inside `fit`):
        y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta.

    Args:
        axis: the channel axis (-1 channels-last, 1 channels-first), or a list of axes.
        momentum: 0.99. epsilon: 1e-3. center / scale: whether beta / gamma exist.
        initializers: beta_initializer="zeros", gamma_initializer="ones",
            moving_mean_initializer="zeros", moving_variance_initializer="ones"; beta/gamma
            regularizers and constraints as Keras.

    Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable), each (C,):
    4*C parameters, 2*C of them non-trainable.

    Example:
        >>> bn = BatchNormalization()
        >>> bn(np.random.randn(8, 4, 4, 3), training=True).shape
        (8, 4, 4, 3)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        name = type(self).__name__
        self.axis = axis if isinstance(axis, int) else list(_axes(name, axis))
        _axes(name, axis)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"{name}: `momentum` must be a float in [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)  # one process here: nothing to synchronise

    def build(self, input_shape):
        self._axes = _resolve_axes(type(self).__name__, _axes("", self.axis), input_shape)
        shape = tuple(input_shape[a] for a in self._axes)
        self._add_gamma_beta(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self.built = True

    @property
    def _traceable_inference(self):
        # One axis: ops on the moving statistics. Several: `_inference_multi_axis` computes
        # 1/sqrt(variance) outside ops, which a trace would keep from the first call.
        return len(self._axes) == 1

    def call(self, inputs, training=None):
        return self.normalize(inputs, training)

    def normalize(self, inputs, training=None, relu=False):
        """The layer's computation, followed by a ReLU when `relu` (one op while training:
        how a model runs BatchNormalization -> Activation("relu"), `strided.models.fusion`)."""
        axis = self._axes[0] if len(self._axes) == 1 else self._axes
        if training and self.trainable:
            outputs, mean, variance = ops.batch_norm_train(inputs, self.gamma, self.beta, axis, self.epsilon,
                                                           relu=relu)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.data * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance.data * m + variance * (1.0 - m))
            return outputs
        if len(self._axes) == 1:
            outputs = ops.batch_normalization(inputs, self.moving_mean, self.moving_variance, axis,
                                              offset=self.beta, scale=self.gamma, epsilon=self.epsilon)
        else:
            outputs = self._inference_multi_axis(inputs)
        return ops.relu(outputs) if relu else outputs

    def _inference_multi_axis(self, inputs):
        """Inference with several normalised axes: the same formula on broadcast views."""
        view = tuple(n if i in self._axes else 1 for i, n in enumerate(inputs.shape))
        with no_grad():
            inverse = (self.moving_variance.data + self.epsilon) ** -0.5
        outputs = ops.multiply(ops.subtract(inputs, self.moving_mean.data.reshape(view)), inverse.reshape(view))
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(self.gamma, view))
        if self.beta is not None:
            outputs = ops.add(outputs, ops.reshape(self.beta, view))
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, "momentum", "moving_mean_initializer", "moving_variance_initializer",
                                  "synchronized"))
        return config


class LayerNormalization(_Affine):
    """Normalise each sample over its features (the `axis` axes), then scale and shift.

    Args:
        axis: int or list of ints, default -1. epsilon: 1e-3. center, scale: beta / gamma.
        rms_scaling: if True, divide by the root mean square only (no centering; RMSNorm).
        initializers: beta/gamma initializers ("zeros"/"ones"), regularizers and constraints.

    Weights: gamma, beta of shape tuple(input_shape[a] for a in axis).

    Example:
        >>> LayerNormalization()(np.array([[1.0, 3.0]])).numpy().round(3)   # (x - 2) / sqrt(1 + 1e-3)
        array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        _axes(type(self).__name__, axis)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        self._axes = _resolve_axes(type(self).__name__, _axes("", self.axis), input_shape)
        self._add_gamma_beta(tuple(input_shape[a] for a in self._axes))
        self.built = True

    def call(self, inputs):
        if not self.rms_scaling:
            return ops.layer_normalization(inputs, self.gamma, self.beta, self._axes, self.epsilon)
        mean_square = ops.mean(ops.square(inputs), axis=self._axes, keepdims=True)
        outputs = ops.divide(inputs, ops.sqrt(ops.add(mean_square, self.epsilon)))
        view = tuple(n if i in self._axes else 1 for i, n in enumerate(inputs.shape))
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(self.gamma, view))
        return outputs

    def get_config(self):
        config = super().get_config()
        config["rms_scaling"] = self.rms_scaling
        return config


class GroupNormalization(_Affine):
    """Normalise each sample over groups of channels: C channels in `groups` groups of C/groups.

    groups=1 normalises over all of (H, W, C) (like LayerNormalization over an image);
    groups=C is instance normalization. Batch-size independent, unlike BatchNormalization.

    Args:
        groups: number of groups (default 32), must divide the channels.
        axis: the channel axis, -1 (channels-last) or 1 (channels-first).
        epsilon, center, scale, initializers, regularizers, constraints: as LayerNormalization.

    Weights: gamma, beta of shape (C,).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        name = type(self).__name__
        self.groups = U.check_positive_int(name, "groups", groups)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"{name}: `axis` must be an int. Received: axis={axis!r}")
        self.axis = axis

    def build(self, input_shape):
        name = type(self).__name__
        (axis,) = _resolve_axes(name, (self.axis,), input_shape)
        if axis not in (1, len(input_shape) - 1):
            raise ValueError(
                f"{name}: `axis` must be the channel axis, 1 or -1. Received: axis={self.axis} for input shape "
                f"{tuple(input_shape)}."
            )
        self._data_format = "channels_first" if axis == 1 and len(input_shape) > 2 else "channels_last"
        channels = input_shape[axis]
        if self.groups > channels:
            raise ValueError(
                f"{name}: number of groups ({self.groups}) cannot be more than the number of channels ({channels})."
            )
        if channels % self.groups:
            raise ValueError(
                f"{name}: number of groups ({self.groups}) must divide the number of channels ({channels})."
            )
        self._add_gamma_beta((channels,))
        self.built = True

    def call(self, inputs):
        return ops.group_normalization(inputs, self.groups, self.gamma, self.beta, self.epsilon, self._data_format)

    def get_config(self):
        config = super().get_config()
        config["groups"] = self.groups
        return config


__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization"]
