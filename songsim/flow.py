"""Steps declared once, keyed by the runner: songsim's step graph.

A step is a function named by its output whose arguments name what it reads (Hamilton's idea)::

    @step(message="Sweeping k…")
    def k_sweep(track_vectors: np.ndarray, sweep: SweepParams = SweepParams()) -> KSweep: ...

An argument that names another step (or a root: ``dataset``, keyed by the dataset's fingerprint
with its playlists, or ``audio``, the same dataset keyed by its clips alone) is an input; any
other argument is a parameter, its default the signature's. A :class:`Flow` over one dataset
answers ``flow.get("k_sweep", kind="cae")``: it resolves the inputs and builds every
:class:`~songsim.cache.StepKey` from the step's derived code version (:func:`derived_code`), its
own parameters and its inputs' keys — so no caller builds or passes a key, and a new checkpoint
or upload changes every key downstream of it. A key costs no computing, except for
``volatile`` steps (a checkpoint's pointers, the id of stored vectors): cheap look-ups run
whenever a key is asked for, keyed by what they return.

An input annotated ``Lazy[...]`` arrives as a function (called only when the step needs it); its
key counts either way. ``progress`` is passed to the step when it takes one and is never keyed.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from .cache import NO_CACHE, Codec, StepCache, StepKey, code_version
from .errors import SongsimError

T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent


class Lazy(Generic[T]):
    """Annotation of an input a step asks for only when it needs it: a function returning it."""


#: Inputs every flow has: the dataset as a whole, and as heard (its clips, not its playlists).
ROOTS = {"dataset": "fingerprint", "audio": "audio_fingerprint"}
#: Arguments passed through to a step, never part of a key.
RUNTIME = ("progress",)


@dataclasses.dataclass(frozen=True)
class Step:
    """One declared step: its function, its arguments (name → ``(default, annotation)``) and
    how its results are kept. Which arguments are inputs (the names of other steps or roots)
    is decided when the flow runs, so steps may be declared in any order."""

    name: str
    fn: Callable
    arguments: dict
    message: str | None = None
    shared: bool = False
    volatile: bool = False
    codec: Codec | None = None
    entry: Callable | None = None  # parameters -> the entry's name in a DiskCache
    keyed: Callable | None = None  # parameters -> what of them the result depends on

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(a for a in self.arguments if a in ROOTS or a in STEPS)

    @property
    def lazy(self) -> frozenset:
        return frozenset(a for a in self.inputs if _is_lazy(self.arguments[a][1]))

    @property
    def params(self) -> dict:
        return {a: d for a, (d, _) in self.arguments.items() if a not in ROOTS and a not in STEPS}

    @functools.cached_property
    def code(self) -> str:
        return derived_code(self.fn)


REQUIRED = inspect.Parameter.empty
STEPS: dict[str, Step] = {}


def step(
    fn: Callable | None = None,
    *,
    message: str | None = None,
    shared: bool = False,
    volatile: bool = False,
    codec: Codec | None = None,
    entry: Callable | None = None,
    keyed: Callable | None = None,
):
    """Declare ``fn`` as the step named ``fn.__name__`` (see the module's docstring). ``shared``:
    one read-only result for every caller; ``volatile``: a cheap look-up run on every key;
    ``codec``/``entry``: how a :class:`~songsim.cache.DiskCache` stores it; ``keyed``: what of
    its parameters the result depends on (all of them by default)."""

    def declare(fn: Callable) -> Callable:
        arguments = {
            name: (p.default, p.annotation)
            for name, p in inspect.signature(fn).parameters.items()
            if name not in RUNTIME
        }
        STEPS[fn.__name__] = Step(
            fn.__name__, fn, arguments, message, shared, volatile, codec, entry, keyed
        )
        return fn

    return declare(fn) if fn is not None else declare


class Flow:
    """The steps over one dataset ``ds``, their results kept in ``cache`` (none by default).

    ``given`` supplies results instead of their steps (``{"track_vectors": X}``: the steps
    after it run on ``X``, keyed by its values), e.g. for vectors made elsewhere; ``ds`` may then
    be None when no step needs the dataset."""

    def __init__(self, ds=None, *, cache: StepCache = NO_CACHE, progress=None, given=None):
        self.ds, self.cache, self.progress = ds, cache, progress
        self.given = dict(given or {})
        self._volatile: dict = {}

    def key(self, name: str, **params) -> StepKey:
        """The key of step ``name``'s result with ``params`` (nothing computed but look-ups)."""
        return self._key(name, self._checked(name, params))

    def get(self, name: str, **params):
        """Step ``name``'s result with ``params``: stored, or computed with its inputs."""
        return self._get(name, self._checked(name, params))

    def _checked(self, name: str, params: dict) -> dict:
        if name not in STEPS:
            raise SongsimError(f"no step named '{name}'")
        known = self.parameters(name)
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise TypeError(f"step '{name}' takes no parameter {', '.join(unknown)}")
        return {**known, **params}

    def parameters(self, name: str) -> dict:
        """Every parameter step ``name`` and the steps it reads take (not those only given
        steps would), with their defaults."""
        if name in self.given or name in ROOTS:
            return {}
        out = {}
        for i in STEPS[name].inputs:
            out.update(self.parameters(i))
        out.update(STEPS[name].params)
        return out

    def _own(self, s: Step, params: dict) -> dict:
        own = {p: params[p] for p in s.params}
        missing = [p for p, v in own.items() if v is REQUIRED]
        if missing:
            raise TypeError(f"step '{s.name}' needs the parameter {', '.join(missing)}")
        return own

    def _key(self, name: str, params: dict) -> StepKey | str:
        if name in self.given:
            return f"given:{_identity(self.given[name])}"
        if name in ROOTS:
            return getattr(self.ds, ROOTS[name])
        s = STEPS[name]
        own = self._own(s, params)
        upstream = "|".join(f"{i}={_digest(self._key(i, params))}" for i in s.inputs)
        if s.volatile:
            value = self._volatile_value(s, params, own)
            own = {**own, "is": _identity(value)}
        name_of = s.entry(**own) if s.entry else None
        return StepKey(name, upstream, s.keyed(**own) if s.keyed else own, s.code, name_of)

    def _volatile_value(self, s: Step, params: dict, own: dict):
        memo = (s.name, json.dumps(_identity(own), sort_keys=True, default=str))
        if memo not in self._volatile:
            self._volatile[memo] = self._call(s, params, own)
        return self._volatile[memo]

    def _get(self, name: str, params: dict):
        if name in self.given:
            return self.given[name]
        if name in ROOTS:
            return self.ds
        s = STEPS[name]
        key = self._key(name, params)
        if s.volatile:
            return self._volatile_value(s, params, self._own(s, params))
        return self.cache.get(
            key,
            lambda: self._call(s, params, self._own(s, params)),
            codec=s.codec,
            message=s.message,
            shared=s.shared,
        )

    def _call(self, s: Step, params: dict, own: dict):
        args = {}
        for i in s.inputs:
            args[i] = (lambda i=i: self._get(i, params)) if i in s.lazy else self._get(i, params)
        if "progress" in inspect.signature(s.fn).parameters:
            args["progress"] = self.progress
        return s.fn(**args, **own)


def described() -> list[dict]:
    """Every declared step as ``{"step", "reads", "lazy", "params", "volatile", "shared"}``, in
    the order declared: the step graph, as ``songsim steps`` prints it."""
    return [
        {
            "step": s.name,
            "reads": list(s.inputs),
            "lazy": sorted(s.lazy),
            "params": {p: None if d is REQUIRED else repr(d) for p, d in s.params.items()},
            "volatile": s.volatile,
            "shared": s.shared,
        }
        for s in STEPS.values()
    ]


def _is_lazy(annotation) -> bool:
    """Whether an argument's annotation is :class:`Lazy` (as a class, ``Lazy[X]`` or a string)."""
    import typing

    if isinstance(annotation, str):
        return annotation.startswith("Lazy")
    return annotation is Lazy or typing.get_origin(annotation) is Lazy


def _digest(key: StepKey | str) -> str:
    return key.digest if isinstance(key, StepKey) else str(key)


def _identity(value) -> Any:
    """What keys a volatile step's value: its JSON-able form (a digest of long values)."""
    text = json.dumps(StepKey("", "", value).described["params"], sort_keys=True, default=str)
    return text if len(text) <= 200 else hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def derived_code(fn: Callable) -> str:
    """The code version of a step: :func:`~songsim.cache.code_version` of the module that
    declares ``fn`` and every songsim module it imports, directly or not (a function's own
    imports count): derived from the source, never a hand-kept list."""
    files = _closure(Path(inspect.getfile(fn)).resolve())
    inside = [p.relative_to(PACKAGE).as_posix() for p in files if PACKAGE in p.parents]
    outside = hashlib.sha256(
        b"".join(p.read_bytes() for p in sorted(files - set(PACKAGE / q for q in inside)))
    ).hexdigest()[:8]  # a step declared elsewhere (a test)
    return code_version(*inside) + ("" if len(inside) == len(files) else f"+{outside}")


@functools.cache
def _closure(start: Path) -> frozenset[Path]:
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_imported(path))
    return frozenset(seen)


@functools.cache
def _imported(path: Path) -> tuple[Path, ...]:
    """The songsim modules' files the module at ``path`` imports anywhere in its body."""
    package = path.parent if path.name != "__init__.py" else path.parent
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package
            for _ in range(node.level - 1):
                base = base.parent
            parts = node.module.split(".") if node.module else []
            target = base.joinpath(*parts)
            names = [target / a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("songsim"):
            target = PACKAGE.parent.joinpath(*node.module.split("."))
            names = [target / a.name for a in node.names]
        else:
            continue
        for candidate in [*names, target]:
            for file in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                if file.is_file() and PACKAGE in file.parents:
                    found.append(file.resolve())
                    break
    return tuple(found)
