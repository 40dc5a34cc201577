"""The package's import graph, as docs/ARCHITECTURE.md draws it: layers that import only
downwards, no import cycles (function-level imports count too), and no module over 400 lines."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "songsim"

#: Layer of each module, lowest first, by the longest matching name prefix; a module may import
#: from its own layer and below.
LAYERS = {
    "songsim": 0,  # the version
    "songsim.errors": 0,
    "songsim.config": 0,
    "songsim.limits": 0,
    "songsim.progress": 0,
    "songsim.storage": 0,
    "songsim.cache": 0,  # one cache interface for the steps, its back-ends
    "songsim.flow": 0,  # steps declared once, keyed by the runner
    "songsim.devices": 0,
    "songsim.tasks": 0,  # many small tasks in order: here, local processes, a Dask cluster
    "songsim.io": 1,  # files in and out
    "songsim.data": 2,  # the dataset model, clips, the demo, ingest
    "songsim.models": 3,  # PyTorch models and checkpoints
    "songsim.analysis": 3,  # graphs, communities, clustering, maps, scores (numbers in, numbers out)
    "songsim.embeddings": 4,  # every embedding kind of a dataset
    "songsim.distributed": 5,
    "songsim.params": 5,  # the frozen parameters of each step
    "songsim.steps": 5,  # the steps the CLI, the dashboard and the service share
    "songsim.catalog": 5,  # the demo, ingest and update, a dataset's info
    "songsim.search": 5,
    "songsim.describing": 5,  # tempo, key and loudness of a library's tracks, stored per content  # similar songs through the vector index
    "songsim.linking": 5,  # a dataset and the user's music server: link, refresh, playlists
    "songsim.cli": 6,
    "songsim.ui": 6,
    "songsim.service": 6,  # the HTTP API a music server's plugins ask
    "songsim.__main__": 6,
}


def modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def imports(name: str, path: Path, known) -> set[str]:
    """The songsim modules ``name`` imports anywhere in its body."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("songsim"):
                found.add(t)
    return found


def layer(name: str) -> int:
    best = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return LAYERS[best]


def graph() -> dict[str, set[str]]:
    known = modules()
    out = {name: imports(name, path, known) for name, path in known.items()}
    # "from . import x" in a package names its submodule, not the package itself
    return {
        n: {t for t in deps if not (n.startswith(t + ".") and t != "songsim")}
        for n, deps in out.items()
    }


def test_imports_go_down_the_layers_only():
    upward = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name, deps in graph().items()
        for target in deps
        if layer(target) > layer(name)
    ]
    assert not upward, "\n".join(sorted(upward))


def test_there_are_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}  # 1 on the path, 2 done
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path):
    known = {"songsim.io.x": tmp_path / "x.py", "songsim.ui": tmp_path / "__init__.py"}
    (tmp_path / "x.py").write_text("def f():\n    from ..ui import thing\n")
    assert imports("songsim.io.x", known["songsim.io.x"], known) == {"songsim.ui"}
    assert layer("songsim.io.x") < layer("songsim.ui")


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long, long
