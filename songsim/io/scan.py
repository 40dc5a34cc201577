"""Walking a folder of other people's files: what to read, and what to list as skipped.

One walk serves audio, spectrogram and playlist folders. It keeps its own stack (a deep tree
never exhausts Python's recursion), stops :attr:`~songsim.limits.Limits.path_depth` folders
down, never follows a symlinked folder (no loops), and lists instead of dropping every path it
will not read: a folder, FIFO, device or broken link named like a track, a name that is not
UTF-8, a folder too deep.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..limits import is_regular_file, limits


@dataclasses.dataclass
class Scan:
    """Files found below a folder, sorted by relative path, and the paths passed over.

    Attributes
    ----------
    files : list of Path      regular files with one of the wanted suffixes
    skipped : list of dict    ``{"file": relative path, "reason": why}`` for each path passed over
    """

    files: list[Path]
    skipped: list[dict]


def _rel(path: str, root: str) -> str:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return os.fsencode(rel).decode("utf-8", "backslashreplace")  # printable even when not UTF-8


def scan_folder(root: Path, suffixes: tuple[str, ...], *, hidden: bool = True, within=None) -> Scan:
    """Regular files below ``root`` whose suffix (lower case) is one of ``suffixes``.

    ``hidden=False`` leaves out names starting with ``.``. ``within`` (folders): a file whose
    real path — links followed — is outside all of them is listed as skipped, never read (the
    dashboard's rule; the command line follows links as its user's own choice).
    """
    inside = [os.path.realpath(w) for w in within] if within is not None else None
    root_s = os.fspath(root)
    max_depth = limits().path_depth
    files, skipped, stack = [], [], [(root_s, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            skipped.append(
                {"file": _rel(folder, root_s), "reason": f"cannot list ({exc.strerror})"}
            )
            continue
        for entry in entries:
            if not hidden and entry.name.startswith("."):
                continue
            wanted = os.path.splitext(entry.name)[1].lower() in suffixes
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if depth + 1 > max_depth:
                    skipped.append(
                        {
                            "file": _rel(entry.path, root_s),
                            "reason": f"more than {max_depth} folders deep",
                        }
                    )
                else:
                    stack.append((entry.path, depth + 1))
                if wanted:
                    skipped.append(
                        {"file": _rel(entry.path, root_s), "reason": "a folder, not a file"}
                    )
                continue
            if not wanted:
                continue
            rel = os.path.relpath(entry.path, root_s).replace(os.sep, "/")
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append(
                    {
                        "file": _rel(entry.path, root_s),
                        "reason": "file name is not UTF-8 (rename it)",
                    }
                )
                continue
            if not is_regular_file(entry.path):
                skipped.append(
                    {
                        "file": rel,
                        "reason": "not a regular file (a FIFO, a device, or a broken or looping link)",
                    }
                )
                continue
            if inside is not None and not _inside(os.path.realpath(entry.path), inside):
                skipped.append(
                    {
                        "file": rel,
                        "reason": "a link to a file outside the folders this server reads",
                    }
                )
                continue
            files.append((rel, Path(entry.path)))
    files.sort(key=lambda f: f[0])
    skipped.sort(key=lambda s: s["file"])
    return Scan([p for _, p in files], skipped)


def _inside(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def confined(path: Path, within) -> bool:
    """Whether the real path of ``path`` (links followed) is inside one of ``within`` (always,
    when ``within`` is None: no confinement)."""
    if within is None:
        return True
    return _inside(os.path.realpath(path), [os.path.realpath(w) for w in within])
