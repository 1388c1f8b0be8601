"""The loss tests compare with real Keras 3 on TensorFlow (the `reference` extra) and PyTorch."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
