"""ONNX: export strided models to `.onnx` files (and run them anywhere ONNX Runtime runs).

    import strided
    strided.onnx.export(model, "model.onnx")      # or model.export("model.onnx", format="onnx")

Needs the optional `onnx` package (`pip install strided[onnx]`).
"""

from strided.onnx.export import export

__all__ = ["export"]
