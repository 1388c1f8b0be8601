"""Calling an image layer on a dict, as Keras 3 allows: {"images": ..., "labels": ...}.

The images are transformed; labels pass through unchanged (the layers using this never change
a label). Keys strided does not transform yet (bounding boxes, segmentation masks) are refused
with an error naming the layer, rather than silently left out of step with their images.
"""


class ImagesOrDict:
    """Mixin placed before `_ImageLayer`: `call` takes images or {"images", "labels"}."""

    def call(self, inputs, training=True):
        if not isinstance(inputs, dict):
            return super().call(inputs, training)
        unknown = sorted(set(inputs) - {"images", "labels"})
        if "images" not in inputs or unknown:
            raise ValueError(
                f"{type(self).__name__}: a dict input must hold 'images' (and optionally 'labels'); "
                f"received keys {sorted(inputs)}."
                + (f" strided does not transform {unknown} in this layer." if unknown else "")
            )
        return dict(inputs, images=super().call(inputs["images"], training))


__all__ = []
