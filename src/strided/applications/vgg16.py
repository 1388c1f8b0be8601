"""`VGG16` with its preprocessing, under Keras' module name (`keras.applications.vgg16`)."""

from strided.applications.vgg import VGG16, decode_predictions, preprocess_input

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
