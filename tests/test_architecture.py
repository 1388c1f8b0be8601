"""The dependency direction of STYLE.md: imports point only downward through the layers below."""

import ast
import pathlib

import strided

# Lower number = lower layer. A module may import from its own layer or any lower one.
LAYERS = {
    "_config": 0, "_utils": 0, "errors": 0, "_naming": 0, "_allocator": 0, "_blas_threads": 0, "_subnormals": 0,
    "kernels": 1, "signal": 1,
    "autograd": 2, "testing": 2,
    "ops": 3,
    "utils": 1, "datasets": 1, "data": 1,
    "initializers": 4, "regularizers": 4, "activations": 4, "losses": 4, "metrics": 4, "optimizers": 4,
    "preprocessing": 4,
    "layers": 5,
    "callbacks": 6,
    "saving": 7,
    "models": 8,
    "applications": 9,
    "viz": 10,
    "cli": 11, "__main__": 11,
    "__init__": 99,
}

PACKAGE = pathlib.Path(strided.__file__).parent


def layer_of(module_parts):
    top = module_parts[0] if module_parts else "__init__"
    return top, LAYERS.get(top)


def imports_of(path):
    """(line, imported strided module parts) for every import in the file, at any depth."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "strided":
            parts = node.module.split(".")[1:]
            if not parts:  # from strided import ops, layers
                for alias in node.names:
                    yield node.lineno, [alias.name]
            else:
                yield node.lineno, parts
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "strided":
                    yield node.lineno, alias.name.split(".")[1:]


def test_every_package_module_has_a_layer():
    unknown = sorted({
        p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0].removesuffix(".py") not in LAYERS
    })
    assert not unknown, f"add these to LAYERS in {__file__}: {unknown}"


def test_imports_point_downward():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.name == "__init__.py" and len(rel.parts) == 1:
            continue  # strided/__init__.py only re-exports
        own_name, own = layer_of([rel.parts[0].removesuffix(".py")])
        for line, parts in imports_of(path):
            name, level = layer_of(parts)
            if level is not None and own is not None and level > own:
                upward.append(f"{rel}:{line} ({own_name}, layer {own}) imports strided.{'.'.join(parts)} (layer {level})")
    assert not upward, "upward imports:\n" + "\n".join(upward)
