"""`VGG19` with its preprocessing, under Keras' module name (`keras.applications.vgg19`)."""

from strided.applications.vgg import VGG19, decode_predictions, preprocess_input

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
