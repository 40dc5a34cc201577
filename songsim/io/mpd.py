"""Million Playlist Dataset JSON, read as a stream: memory follows the table, not the text.

``json.loads`` builds every object of a document before anything can be checked: a 33 MB slice
costs about 20 times its text while it is parsed, and a hostile file of ``[],[],…`` as much. Here
the text is never held whole: it is inflated a chunk at a time (``.gz`` and each member of a
``.zip`` in turn) and parsed as a stream of events by ijson's C backend (yajl), and only the
fields songsim keeps — ``playlists[].pid``, ``.name``, ``.tracks[].track_uri``, ``.pos``,
``.track_name``, ``.artist_name`` — reach the table (:class:`~songsim.io.table.TableBuilder`).
Every other value, however nested, is skipped as it streams past.

Budgets hold before the work: the inflated bytes of a file (``.gz`` or all members of a ``.zip``
together) stop at :func:`~songsim.limits.inflate_limit`, and the JSON text of a file (all
members together) at :attr:`~songsim.limits.Limits.json_bytes`.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import pandas as pd

from ..errors import PlaylistFormatError
from ..limits import MiB, inflate_limit, limits
from .json_depth import NestingGuard
from .table import TableBuilder, spotify_id

#: Bytes handed to the parser at a time.
CHUNK = MiB


class _Stream(io.RawIOBase):
    """A read-only file over chunks of bytes, counting them against a shared budget."""

    def __init__(self, chunks: Iterator[bytes], budget: dict, label: str):
        self._chunks, self._budget, self._label = chunks, budget, label
        self._rest = b""
        self._first = True
        self._nesting = NestingGuard()  # deep nesting is refused before the parser sees it

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            if self._first and chunk.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                chunk = chunk[3:]
            self._first = False
            self._budget["text"] -= len(chunk)
            if self._budget["text"] < 0:
                raise PlaylistFormatError(
                    f"{self._label}: JSON text over the {limits().json_bytes}-byte limit"
                )
            if self._nesting.feed(chunk) > MAX_DEPTH:
                raise PlaylistFormatError(
                    f"{self._label}: JSON nested more than {MAX_DEPTH} levels deep"
                )
            self._rest = chunk
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def _inflated(chunks: Iterator[bytes], budget: dict, label: str) -> Iterator[bytes]:
    """``chunks`` as they are, counted against the inflate budget (stop at the limit)."""
    for chunk in chunks:
        budget["inflated"] -= len(chunk)
        if budget["inflated"] < 0:
            raise PlaylistFormatError(
                f"{label}: decompresses to more than {budget['inflate_limit']} bytes (limit)"
            )
        yield chunk


def gzip_chunks(data: bytes, label: str) -> Iterator[bytes]:
    """Inflated chunks of gzip ``data`` (every member; zero padding after the last ignored)."""
    rest = data
    try:
        while rest:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while True:
                chunk = d.decompress(rest, CHUNK)
                if chunk:
                    yield chunk
                rest = d.unconsumed_tail
                if d.eof or not rest:
                    break
            if not d.eof:
                raise PlaylistFormatError(f"{label}: not a valid gzip file (truncated)")
            rest = d.unused_data.lstrip(b"\x00")
    except zlib.error as exc:
        raise PlaylistFormatError(f"{label}: not a valid gzip file ({exc})") from None


def zip_members(data: bytes, label: str) -> Iterator[Iterator[bytes]]:
    """Each ``.json`` member of a zip archive as inflated chunks, one member after another (the
    sizes an archive declares are not trusted: the budget counts what is inflated)."""
    import zipfile

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = [
            i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".json")
        ]
    except Exception as exc:  # zipfile raises many types on corrupt archives
        raise PlaylistFormatError(
            f"{label}: not a valid zip archive ({' '.join(str(exc).split())[:200]})"
        ) from None
    if not members:
        raise PlaylistFormatError(f"{label}: the zip archive holds no .json file")

    def member(info) -> Iterator[bytes]:
        try:
            with zf.open(info) as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        except PlaylistFormatError:
            raise
        except Exception as exc:
            raise PlaylistFormatError(
                f"{label}: not a valid zip archive ({' '.join(str(exc).split())[:200]})"
            ) from None

    for info in members:
        yield member(info)


def read_mpd_stream(
    documents: Iterator[Iterator[bytes]], label: str, *, packed: int | None
) -> pd.DataFrame:
    """The playlist table of MPD documents, each given as chunks of its text; ``packed``: the
    size of the compressed file they come from (None: not compressed)."""
    lim = limits()
    budget = {"text": lim.json_bytes}
    if packed is not None:
        budget["inflated"] = budget["inflate_limit"] = inflate_limit(packed)
    reader = _Reader(label)
    for chunks in documents:
        if packed is not None:
            chunks = _inflated(chunks, budget, label)
        reader.read(_Stream(chunks, budget, label))
    return reader.table.frame(reader.names)


_SCALAR = ("string", "number", "boolean", "null")
#: The places in an MPD document whose events the reader acts on (ijson's prefixes).
_PLACES = frozenset(
    {
        "playlists",
        "playlists.item",
        "playlists.item.pid",
        "playlists.item.name",
        "playlists.item.tracks",
        "playlists.item.tracks.item",
    }
)
#: A track's fields songsim keeps, by prefix.
_TRACK_FIELDS = {
    f"playlists.item.tracks.item.{f}": f for f in ("track_uri", "pos", "track_name", "artist_name")
}
#: Nesting a document may have (an MPD slice has 4 levels); deeper is refused as it streams, by
#: :class:`~songsim.io.json_depth.NestingGuard`, before the parser names each level.
MAX_DEPTH = 64


def _reason(exc: Exception) -> str:
    """A parser's complaint on one short line."""
    reason = " ".join(str(exc).split())[:120] or type(exc).__name__
    if "integer overflow" in reason:  # yajl's words for a whole number past 64 bits
        return "a whole number too large (more than 64 bits)"
    return reason


class _Reader:
    """The state of an MPD document as its events stream past."""

    def __init__(self, label: str):
        self.label = label
        self.table = TableBuilder(label, PlaylistFormatError)
        self.names: dict[str, str] = {}

    def read(self, stream) -> None:
        import ijson

        found, i = False, -1
        pl = track = None
        try:
            for prefix, event, value in ijson.parse(
                io.BufferedReader(stream, CHUNK), use_float=True
            ):
                if event == "map_key":  # a key: its value's events follow, under its prefix
                    if prefix == "playlists" and not found:
                        raise self._no_playlists()
                    continue
                field = _TRACK_FIELDS.get(prefix)  # most events: a track's fields
                if field is not None:
                    if track is not None:
                        self._track_field(track, field, event, value)
                    continue
                if prefix not in _PLACES:  # a value songsim does not keep
                    continue
                if prefix == "playlists.item.tracks.item":
                    if pl is None:
                        continue
                    if event == "start_map":
                        self._room(pl)
                        track = {"uri": None, "pos": len(pl["tracks"]), "title": "", "artist": ""}
                    elif event == "end_map":
                        pl["tracks"].append(track)
                        track = None
                    elif event != "end_array":  # a track that is not an object
                        pl["tracks"].append({"uri": None})
                elif prefix == "playlists":
                    if event == "start_array":
                        found = True
                    elif event not in ("end_array",) and not found:
                        raise self._no_playlists()
                elif prefix == "playlists.item":
                    if event == "start_map":
                        i += 1
                        pl = {"i": i, "pid": None, "name": None, "tracks": [], "ok": True}
                    elif event == "end_map":
                        self._playlist(pl)
                        pl = None
                    else:  # a playlist that is not an object
                        i += 1
                        raise self._bad_playlist(i)
                elif pl is None:
                    continue
                elif prefix == "playlists.item.pid":
                    pl["pid"] = str(value) if event in _SCALAR else None
                    if event in ("start_map", "start_array"):
                        pl["ok"] = False
                elif prefix == "playlists.item.name":
                    pl["name"] = value if event == "string" else None
                elif prefix == "playlists.item.tracks":
                    if event not in ("start_array", "end_array"):
                        pl["ok"] = False
        except PlaylistFormatError:
            raise
        except (ijson.common.JSONError, ValueError, RecursionError) as exc:
            raise PlaylistFormatError(f"{self.label}: invalid JSON ({_reason(exc)})") from None
        if not found:
            raise self._no_playlists()

    def _room(self, pl: dict) -> None:
        """The entries limit holds while a playlist's tracks are gathered, not only once added."""
        from ..limits import check_count

        n = len(self.table) + len(pl["tracks"]) + 1
        if n > self.table.max_entries:  # the limits were read once, when the table began
            check_count(n, self.label, error=PlaylistFormatError)

    def _track_field(self, track: dict, field: str, event: str, value) -> None:
        if field == "track_uri":
            track["uri"] = value if event == "string" else None
        elif field == "pos":
            track["pos"] = value if type(value) is int else track["pos"]
        elif field in ("track_name", "artist_name") and event in _SCALAR:
            track["title" if field == "track_name" else "artist"] = str(value)

    def _playlist(self, pl: dict) -> None:

        if pl["pid"] is None or not pl["ok"]:
            raise self._bad_playlist(pl["i"])
        pid = pl["pid"]
        if isinstance(pl["name"], str) and pl["name"].strip():
            self.names[pid] = pl["name"].strip()
        for j, tr in enumerate(pl["tracks"]):
            uri = tr.get("uri")
            if not isinstance(uri, str) or not spotify_id(uri):
                raise PlaylistFormatError(
                    f"{self.label}: playlists[{pl['i']}].tracks[{j}]: field 'track_uri' is missing"
                )
            self.table.add(pid, spotify_id(uri), tr["pos"], tr["title"], tr["artist"])

    def _bad_playlist(self, i: int) -> PlaylistFormatError:
        return PlaylistFormatError(
            f"{self.label}: playlists[{i}]: needs a 'pid' (and 'tracks', if any, as a list)"
        )

    def _no_playlists(self) -> PlaylistFormatError:
        return PlaylistFormatError(f"{self.label}: field 'playlists' (a list) is missing")
