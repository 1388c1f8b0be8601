"""ONNX in both directions: export strided models, load ONNX CNNs into strided.

    import strided
    strided.onnx.export(model, "model.onnx")      # or model.export("model.onnx", format="onnx")
    model = strided.onnx.load("resnet18.onnx")    # a strided Model: predict, fit, summary

Needs the optional `onnx` package (`pip install strided[onnx]`).
"""

from strided.onnx.export import export
from strided.onnx.load import load

__all__ = ["export", "load"]
