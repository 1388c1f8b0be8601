"""`torch.onnx.export` for the PyTorch-style front end: a module as an ONNX file.

    import strided.torch as torch
    torch.onnx.export(model, (torch.randn(1, 1, 28, 28),), "convnet.onnx",
                      input_names=["input"], output_names=["output"])

As PyTorch's exporter, it runs the module once on the example input (in eval mode) and writes
the ops it applied; the first axis (the batch) stays free whatever `dynamic_axes` says, and the
layout stays NCHW. The translation is `strided.onnx`'s, shared with the Keras-style models.
"""

from strided.torch._tensor import Tensor, node_of, wrap


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=None, dynamo=False, **ignored):
    """Write `model` to the file `f` (a path) as an ONNX model; returns the path.

    Args:
        model: an `nn.Module` (or any callable taking and returning Tensors).
        args: the example input: a Tensor or a one-element tuple of it.
        f: where to write. input_names, output_names: one name each (default "input",
            "output"). opset_version: 17 or newer (default 17).
        dynamic_axes, dynamo and PyTorch's other export options are accepted; the batch axis
            is always dynamic.
    """
    from strided.onnx.export import OPSET, export_run

    example = args[0] if isinstance(args, (tuple, list)) else args
    if isinstance(example, (tuple, list)) or len(args if isinstance(args, (tuple, list)) else [args]) != 1:
        raise ValueError("torch.onnx.export: strided exports modules with one input tensor")
    if not isinstance(example, Tensor):
        raise TypeError(f"torch.onnx.export: args must hold a Tensor, received {type(example).__name__}")
    training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        return export_run(lambda node: node_of(model(wrap(node))), example.numpy(), f,
                          opset=opset_version or OPSET,
                          input_name=(input_names or ["input"])[0],
                          output_name=(output_names or ["output"])[0],
                          graph_name=type(model).__name__)
    finally:
        if training and hasattr(model, "train"):
            model.train()


__all__ = ["export"]
