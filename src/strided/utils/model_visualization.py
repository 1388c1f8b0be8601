"""`plot_model` / `model_to_dot`: a picture of a model's layers and connections (Keras' functions).

Drawn through pydot and Graphviz, as Keras does, with the same node labels (layer name and
class, optional shapes, dtypes, activations, trainable flags) and the same edges. Without
pydot or Graphviz the error says what to install.

    keras.utils.plot_model(model, to_file="model.png", show_shapes=True)
"""

import os


def _pydot():
    try:
        import pydot
    except ImportError:
        return None
    return pydot


def check_pydot():
    """True when pydot can be imported."""
    return _pydot() is not None


def check_graphviz():
    """True when pydot can run Graphviz's `dot` program."""
    pydot = _pydot()
    if pydot is None:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except Exception:  # OSError or pydot's PydotException: `dot` missing or broken
        return False


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return ", ".join(f"{k}: {v}" for k, v in shape.items())
    return f"{shape}"


def _shapes(layer, attribute):
    try:
        value = getattr(layer, attribute)
    except (ValueError, AttributeError, TypeError):
        return None
    if isinstance(value, (list, tuple)):
        return [getattr(v, "shape", None) for v in value]
    if isinstance(value, dict):
        return {k: getattr(v, "shape", None) for k, v in value.items()}
    return getattr(value, "shape", None)


def _activation_name(activation):
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or str(activation)


def make_layer_label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes, show_trainable):
    """The HTML-like Graphviz label of one layer (Keras' layout)."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    table += (f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">'
              f"{title}</font></td></tr>")
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{_activation_name(layer.activation)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        if class_name != "InputLayer":
            cols.append('<td bgcolor="white"><font point-size="14">'
                        f"Input shape: <b>{_shape_text(_shapes(layer, 'input'))}</b></font></td>")
        cols.append('<td bgcolor="white"><font point-size="14">'
                    f"Output shape: <b>{_shape_text(_shapes(layer, 'output'))}</b></font></td>")
    if show_dtype:
        dtype = getattr(getattr(layer, "output", None), "dtype", None) if _shapes(layer, "output") else None
        cols.append(f'<td bgcolor="white"><font point-size="14">Output dtype: <b>{dtype or "?"}</b></font></td>')
    if show_trainable and getattr(layer, "weights", None):
        if layer.trainable:
            cols.append('<td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td>')
        else:
            cols.append('<td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b></font></td>')
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _graph_layers_and_edges(model):
    """(layers in order, [(source layer, destination layer)]) of a Sequential or functional model."""
    graph = getattr(model, "_graph", None)
    if type(model).__name__ == "Sequential" or (graph is None and hasattr(model, "layers")):
        layers = list(model.layers)
        return layers, list(zip(layers[:-1], layers[1:]))
    if graph is None:
        return [model], []
    layers = list(model.layers)
    edges = []
    for node in graph.all_nodes:
        for tensor in node.input_tensors:
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history[0] is not None:
                edges.append((history[0], node.layer))
    return layers, edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """A `pydot.Dot` graph of the model (one node per layer, one edge per connection)."""
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    pydot = _pydot()
    if pydot is None:
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to work.")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = dict(show_layer_names=show_layer_names, show_layer_activations=show_layer_activations,
                   show_dtype=show_dtype, show_shapes=show_shapes, show_trainable=show_trainable)
    layers, edges = _graph_layers_and_edges(model)
    for layer in layers:
        if expand_nested and hasattr(layer, "layers") and hasattr(layer, "_graph"):
            dot.add_subgraph(model_to_dot(layer, show_shapes, show_dtype, show_layer_names, rankdir,
                                          expand_nested, subgraph=True,
                                          show_layer_activations=show_layer_activations,
                                          show_trainable=show_trainable))
            continue
        node = pydot.Node(str(id(layer)), label=make_layer_label(layer, **options))
        node.set("fontname", "Helvetica")
        node.set("border", "0")
        node.set("margin", "0")
        dot.add_node(node)
    for source, destination in edges:
        if not dot.get_edge(str(id(source)), str(id(destination))):
            edge = pydot.Edge(str(id(source)), str(id(destination)))
            edge.set("penwidth", "2")
            dot.add_edge(edge)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", **kwargs):
    """Draw the model to `to_file` (the extension picks the format: png, svg, pdf, ...).

    Needs pydot (`pip install pydot`) and Graphviz (`apt-get install graphviz`, or see
    https://graphviz.gitlab.io/download/); the error says which one is missing.

    Returns:
        An IPython `Image` in a notebook (None elsewhere).
    """
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    if not check_pydot():
        raise ImportError("You must install pydot (`pip install pydot`) for `plot_model` to work.")
    if not check_graphviz():
        raise ImportError(
            "You must install graphviz (e.g. `apt-get install graphviz`; see instructions at "
            "https://graphviz.gitlab.io/download/) for `plot_model` to work."
        )
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines, **kwargs)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display

            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None


__all__ = ["plot_model", "model_to_dot", "check_pydot", "check_graphviz"]
