"""The dependency direction of STYLE.md: imports point only downward through the layers below,
and no module of strided imports itself back through others (no import cycles)."""

import ast
import pathlib

import strided

# Lower number = lower layer, in the order of STYLE.md's picture. A module may import from its
# own layer or any lower one. Packages the picture does not name sit beside the closest one.
LAYERS = {
    # stdlib + numpy only
    "_config": 0, "_utils": 0, "errors": 0, "_naming": 0, "_version": 0,
    "_allocator": 0, "_blas_threads": 0, "_subnormals": 0,
    # ndarray -> ndarray
    "kernels": 1, "signal": 1, "utils": 1,
    # threads, BLAS, malloc and FPU settings, applied inside strided's calls (never at import)
    "runtime": 2,
    "distributed": 2,  # collectives between processes (MPI): numpy, errors and mpi4py only
    "autograd": 3, "testing": 3,
    "ops": 4,
    "initializers": 5, "losses": 5, "metrics": 5, "optimizers": 5,
    "activations": 5, "regularizers": 5, "preprocessing": 5, "random": 5, "constraints": 5,
    "layers": 6,
    "torch": 7,  # the PyTorch-style front end, over the same ops
    "callbacks": 8,
    # STYLE's picture lists saving/ after models/, but the code has it the other way round:
    # `Model.save` and `strided.models.load_model` import saving, and saving rebuilds models
    # through the class registry without importing models. So saving sits just below models.
    "saving": 8.5,
    # ONNX reads a model's ops through autograd.trace and makes loaded models through the class
    # registry: below the PyTorch-style front end's torch.onnx and below Model.export.
    "onnx": 6.5,
    "models": 9,
    "datasets": 10, "data": 10,
    "applications": 11, "viz": 11,
    "torchvision": 11,  # torchvision's datasets and transforms: strided.datasets' loaders for strided.torch
    "cli": 12, "__main__": 12,
    "config": 0, "backend": 6, "keras": 99,  # keras.config, keras.backend, the tf.keras namespace
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


# ------------------------------------------------------------------------------ no cycles
# Cycles waiting on a fix in files outside this test's owner's hands; each entry names its fix.
KNOWN_CYCLES = []


def module_name(path):
    """strided/ops/conv.py -> "strided.ops.conv"; a package's __init__.py -> the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported_modules(name, path):
    """The strided modules this file imports, at module level or inside functions alike.

    `from strided.x import y` imports the module strided.x.y when there is one, else the
    module strided.x (whose names y is one of); relative imports are resolved first.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "strided":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else _owning_module(base))
        elif isinstance(node, ast.Import):
            found.update(_owning_module(a.name) for a in node.names if a.name.split(".")[0] == "strided")
    found.discard(None)
    found.discard(name)
    return found


def _owning_module(dotted):
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def module_graph():
    """{module: the strided modules it imports} for every module of the package."""
    return {name: imported_modules(name, path) for name, path in MODULES.items()}


def import_cycles(graph):
    """The strongly connected groups of two or more modules of `graph` (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for child in edges:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return groups


def test_no_import_cycles():
    cycles = [sorted(group) for group in import_cycles(module_graph()) if group not in KNOWN_CYCLES]
    assert not cycles, "modules that import each other (directly or through others):\n" + "\n".join(
        " <-> ".join(group) for group in cycles
    )


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert import_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_function_level_imports_count():
    graph = module_graph()
    assert "strided.layers.registry" in graph["strided.models.model"]  # imported inside a method
