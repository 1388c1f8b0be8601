"""`ResNet50` with its preprocessing, under Keras' module name (`keras.applications.resnet50`)."""

from strided.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
