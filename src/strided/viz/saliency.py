"""Which pixels a class score depends on: saliency maps and Grad-CAM.

Saliency (Simonyan et al. 2013): the gradient of the class score S_c with respect to the input
pixels, |dS_c/dx| maximised over colour channels. Large where a small change of the pixel
changes the score most.

Grad-CAM (Selvaraju et al. 2017), for a conv layer with output A (h, w, K channels):

    alpha_k = mean over (i, j) of dS_c / dA[i, j, k]      (how much channel k matters for c)
    cam     = ReLU( sum_k alpha_k * A[:, :, k] )            (h, w), then resized to the image

The class score S_c is the score *before* a final softmax or sigmoid (the logit), as in both
papers: a confident prediction's probability saturates at 1, so its gradient (and with it the
map) vanishes, while the logit's does not. For models whose output is a softmax/sigmoid
activation (or layer) the logits are taken from just before it; other models' outputs are
used as they are. Gradients come from strided's autograd; the model's weight gradients are
left as they were.
"""

import numpy as np

from strided import ops
from strided.autograd import Tensor, enable_grad, no_grad
from strided.viz._capture import all_layers, capture, channels_last, get_layer, keep_weight_grads
from strided.viz.feature_maps import as_image_batch


def _classes(output, class_index, name):
    if output.ndim != 2:
        raise ValueError(f"{name}: expected a model with an output of shape (batch, classes); "
                         f"this model outputs shape {output.shape}.")
    n, c = output.shape
    if class_index is None:
        return np.argmax(output, axis=1)
    classes = np.broadcast_to(np.asarray(class_index, dtype=np.int64), (n,)).copy()
    if classes.min() < 0 or classes.max() >= c:
        raise ValueError(f"{name}: class_index {class_index!r} is out of range for a model "
                         f"with {c} output classes.")
    return classes


def class_scores(output):
    """The class scores S behind a model output: the logits when the output is a softmax or
    sigmoid (strided's activations remember their input), else the output itself."""
    return getattr(output, "_keras_logits", output)


def _backward_from_scores(model, inputs, class_index, name):
    """Run the model, seed backward with one-hot(class) on the class scores (pre-softmax);
    return (scores, classes)."""
    output = model(inputs, training=False)
    scores = class_scores(output)
    classes = _classes(np.asarray(output.data), class_index, name)
    seed = np.zeros(scores.shape, dtype=scores.dtype)
    seed[np.arange(len(classes)), classes] = 1.0
    scores.backward(seed)
    return np.asarray(scores.data), classes


def class_score_gradient(model, images, class_index=None):
    """dS_c/dx for each image: returns (gradient (N, H, W, C), classes (N,), scores (N, classes)).

    S are the class scores before a final softmax/sigmoid (see the module docstring).

    class_index: int, one per image, or None for each image's predicted class.
    """
    x = Tensor(as_image_batch(model, images), requires_grad=True)
    with keep_weight_grads(model), enable_grad():
        outputs, classes = _backward_from_scores(model, x, class_index, "saliency_map")
    gradient = x.grad if x.grad is not None else np.zeros(x.shape, dtype=x.dtype)
    return np.asarray(gradient), classes, outputs


def saliency_map(model, images, class_index=None, reduce="max"):
    """Vanilla-gradient saliency: |d(class score)/d(pixel)|, largest over channels (the score
    before a final softmax, as Simonyan et al.).

    Args:
        model: a classifier with output (batch, classes).
        images: one image or a batch (N, H, W, C).
        class_index: the class to explain (int or one per image); default the predicted one.
        reduce: "max" (Simonyan et al.) or "mean" of |gradient| over channels, or None for
            the signed gradient itself (N, H, W, C).

    Returns:
        (N, H, W) array (or (N, H, W, C) with reduce=None).

    Example:
        >>> maps = saliency_map(model, x_test[:4])          # explain the predicted classes
    """
    if reduce not in ("max", "mean", None):
        raise ValueError(f"saliency_map: reduce must be 'max', 'mean' or None. Received {reduce!r}")
    gradient, _, _ = class_score_gradient(model, images, class_index)
    if reduce is None:
        return gradient
    return np.abs(gradient).max(axis=-1) if reduce == "max" else np.abs(gradient).mean(axis=-1)


def last_conv_layer(model):
    """The last layer (searching nested models too) with a 2-D kernel: Grad-CAM's default."""
    found = None
    for layer in all_layers(model):
        if len(getattr(layer, "kernel_size", ())) == 2:
            found = layer
    return found


def _find_layer(model, layer_name):
    if layer_name is None:
        layer = last_conv_layer(model)
        if layer is None:
            raise ValueError("grad_cam: the model has no 2-D convolution layer; pass layer_name=.")
        return layer
    return get_layer(model, layer_name) if isinstance(layer_name, str) else layer_name


def grad_cam(model, images, class_index=None, layer_name=None, upsample=True, normalize=False):
    """Grad-CAM heat maps: where in the image the evidence for a class is.

    Args:
        model: a classifier with output (batch, classes).
        images: one image or a batch (N, H, W, C).
        class_index: the class (int or one per image); default each image's predicted class.
        layer_name: the conv layer (name or layer object); default the last 2-D conv layer.
        upsample: resize the map to the image size (bilinear, `strided.ops.resize`); if False
            the map has the layer's spatial size.
        normalize: divide each map by its maximum (to [0, 1]); an empty map (see
            `empty_maps`) stays all zero instead of stretching rounding noise.

    Returns:
        (N, H, W) array (or (N, h, w) without upsampling), non-negative.

    Example:
        >>> heat = grad_cam(model, x_test[:4], layer_name="conv2d_1")
    """
    layer = _find_layer(model, layer_name)
    batch = as_image_batch(model, images)
    with keep_weight_grads(model), enable_grad(), capture([layer], cut=True) as records:
        _backward_from_scores(model, batch, class_index, "grad_cam")
    if id(layer) not in records:
        raise ValueError(f"grad_cam: layer '{layer.name}' was not run by the model.")
    output = records[id(layer)]
    activations = channels_last(np.asarray(output.data), layer)
    gradients = np.zeros_like(activations) if output.grad is None else channels_last(
        np.asarray(output.grad), layer)
    if activations.ndim != 4:
        raise ValueError(f"grad_cam: layer '{layer.name}' outputs shape {activations.shape}; "
                         "Grad-CAM needs a (batch, height, width, channels) feature map.")
    weights = gradients.mean(axis=(1, 2))                       # alpha: (N, K)
    signed = np.einsum("nhwk,nk->nhw", activations, weights)
    cam = np.maximum(signed, 0)
    first = getattr(layer, "data_format", None) == "channels_first"
    image_size = tuple(batch.shape[2:4] if first else batch.shape[1:3])
    if upsample and cam.shape[1:] != image_size:
        with no_grad():
            cam = ops.resize(cam[..., None], image_size).numpy()[..., 0]
        cam = np.maximum(cam, 0)
    if normalize:
        peak = cam.max(axis=(1, 2), keepdims=True)
        keep = (peak > 0) & ~empty_maps(signed)[:, None, None]
        cam = np.divide(cam, peak, out=np.zeros_like(cam), where=keep)
    return cam


def empty_maps(signed_cam):
    """True for each map with no positive evidence worth showing: its largest positive value is
    below a millionth of its largest magnitude (or it is all zero), i.e. rounding noise."""
    positive = np.maximum(signed_cam, 0).max(axis=(1, 2))
    magnitude = np.abs(signed_cam).max(axis=(1, 2))
    return positive <= 1e-6 * magnitude


__all__ = ["class_score_gradient", "class_scores", "empty_maps", "grad_cam", "saliency_map"]
