"""Atomic, versioned folders under the cache.

An entry is a folder ``<root>/<name>/`` holding version folders and a ``CURRENT`` file that
names the complete one. A new version is written beside the old one and ``CURRENT`` is swapped
with :func:`os.replace`, so a reader sees either the old entry or the new one, never half of
either, and a write killed midway leaves the old one intact. Each version has a
``manifest.json`` with a schema version, the SHA-256 of every file and of the manifest itself;
:func:`read_manifest` checks them.

Writers of one entry are serialised across processes by a lock file in it (``.lock``,
:mod:`filelock`): two ingests to one name both finish, one after the other,
and neither removes what the other is writing. A reader that loses a race with a writer's
clean-up reads the new ``CURRENT`` again (:func:`read_current`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from .errors import DatasetError, SongsimError

#: Seconds a writer waits for another writer of the same entry before giving up.
LOCK_TIMEOUT = 600
#: Free bytes a write needs beyond its own estimate.
MIN_FREE_BYTES = 64 * 1024 * 1024

SCHEMA_VERSION = 1
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe entry name (letters, digits, ``_.-``, at most 64)."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise DatasetError(
            f"'{name}': a name is 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return name


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_json_atomic(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)


def writer_lock(entry: Path):
    """The cross-process lock that serialises writers of ``entry`` (a :class:`filelock.FileLock`)."""
    from filelock import FileLock

    # one lock object per entry in a process, re-entrant: a writer that holds it for a long
    # update can still call new_version inside
    return FileLock(str(entry / ".lock"), timeout=LOCK_TIMEOUT, is_singleton=True)


def disk_error(path: Path, exc: OSError) -> DatasetError:
    """One line for a disk problem (read-only, full, no permission) at ``path``."""
    return DatasetError(f"{path}: cannot write ({exc.strerror or exc})")


def check_writable(folder: Path, need_bytes: int = 0) -> None:
    """Raise :class:`DatasetError` unless ``folder`` can be created and written and its disk has
    ``need_bytes`` (+ :data:`MIN_FREE_BYTES`) free: checked before long work starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe.{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise disk_error(folder, exc) from None
    if free < need_bytes + MIN_FREE_BYTES:
        raise DatasetError(
            f"{folder}: only {free // 2**20} MiB free, about {(need_bytes + MIN_FREE_BYTES) // 2**20} MiB needed"
        )


@contextlib.contextmanager
def new_version(entry: Path, *, keep_previous: bool = False):
    """Context manager giving an empty folder to write a new version of ``entry`` into.

    On a clean exit the caller must have written ``manifest.json`` there (see
    :func:`write_manifest`); the version then becomes current and older versions are removed
    (but the one it replaced, with ``keep_previous``: a reader that loaded it can still read
    what it reads lazily).
    On an exception only this partial folder is removed and the current version is untouched.
    The whole write holds :func:`writer_lock`; a disk error becomes a one-line DatasetError.
    """
    from filelock import Timeout

    try:
        entry.mkdir(parents=True, exist_ok=True)
        lock = writer_lock(entry)
        lock.acquire()
    except Timeout:
        raise DatasetError(f"{entry}: another writer has held it for {LOCK_TIMEOUT} s") from None
    except OSError as exc:
        raise disk_error(entry, exc) from None
    try:
        previous = current_version(entry) if keep_previous else None
        version = entry / f"v{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        try:
            version.mkdir()
            yield version
            if not (version / "manifest.json").exists():
                raise RuntimeError("new_version: no manifest.json was written")
            pointer = entry / f".CURRENT.{uuid.uuid4().hex}.tmp"
            pointer.write_text(version.name)
            os.replace(pointer, entry / "CURRENT")
        except BaseException as exc:
            shutil.rmtree(version, ignore_errors=True)
            if isinstance(exc, OSError):
                raise disk_error(entry, exc) from None
            raise
        # Under the lock no other writer is midway: every other version folder is an old one
        # (or one left by a writer that was killed).
        keep = {version.name, previous.name if previous else None}
        for old in entry.iterdir():
            if old.is_dir() and old.name.startswith("v") and old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        lock.release()


def read_current(entry: Path, load):
    """``load(version)`` of the current version, read again when a writer replaced it midway.

    ``load`` returns None when the entry has no current version.
    """
    for _ in range(3):
        version = current_version(entry)
        try:
            return load(version)
        except SongsimError:
            if current_version(entry) == version:
                raise
    return load(current_version(entry))


def write_manifest(version: Path, manifest: dict) -> dict:
    """Add the schema version, every file's checksum and the manifest's own
    (``manifest_sha256``, :func:`manifest_digest`) to ``manifest`` and write it."""
    files = {
        p.name: sha256_file(p)
        for p in sorted(version.iterdir())
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = {**manifest, "schema_version": SCHEMA_VERSION, "checksums": files}
    manifest = json.loads(json.dumps(manifest, default=str))  # as it will read back
    manifest["manifest_sha256"] = manifest_digest(manifest)
    write_json_atomic(version / "manifest.json", manifest)
    return manifest


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of a manifest's content but its own digest (keys sorted, compact JSON)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def current_version(entry: Path) -> Path | None:
    """The folder ``CURRENT`` names, or None when the entry does not exist. A ``CURRENT`` that
    is not a version's name (damaged: other bytes, a path) is read as naming the newest version
    that has a manifest — what the last complete write left."""
    pointer = entry / "CURRENT"
    if not pointer.is_file():
        return None
    try:
        name = pointer.read_bytes()[:256].decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if not VERSION_RE.fullmatch(name):
        return _newest_complete(entry)
    version = entry / name
    return version if version.is_dir() else None


#: What a version folder is called (:func:`new_version`).
VERSION_RE = re.compile(r"v\d{8}T\d{6}-[0-9a-f]{8}")


def _newest_complete(entry: Path) -> Path | None:
    versions = [
        v
        for v in entry.iterdir()
        if v.is_dir() and VERSION_RE.fullmatch(v.name) and (v / "manifest.json").is_file()
    ]
    return max(versions, key=lambda v: v.name, default=None)


def read_manifest(version: Path, *, verify: bool | tuple = True) -> dict:
    """The manifest of a version folder, checked against its files when ``verify`` (a tuple of
    names: those files only).

    Raises
    ------
    DatasetError  when the manifest is missing, of another schema, or a file is missing or altered.
    """
    try:
        manifest = json.loads((version / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{version}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        raise DatasetError(f"{version}: manifest of an unknown schema version")
    digest = manifest.get("manifest_sha256")  # absent from manifests written before it was
    if digest is not None and digest != manifest_digest(manifest):
        raise DatasetError(
            f"{version.parent.name}/{version.name}/manifest.json: altered (checksum mismatch)"
        )
    if verify:
        for name, digest in manifest.get("checksums", {}).items():
            if verify is True or name in verify:
                verify_file(version / name, digest)
    return manifest


def verify_file(path: Path, digest: str | None) -> None:
    """Raise :class:`DatasetError` unless ``path`` is a file whose SHA-256 is ``digest``."""
    if not path.is_file() or sha256_file(path) != digest:
        raise DatasetError(
            f"{path.parent.name}/{path.name}: missing or corrupted (checksum mismatch)"
        )


def list_entries(root: Path) -> list[str]:
    """Names of the entries below ``root`` that have a current version."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and current_version(p) is not None)
