"""One resource policy for everything songsim reads from other people's files.

Memory must follow the real size of the work, never a number that an input declares (a WAV
header's sample rate, a gzip stream's inflated size, a path's depth). Every reader asks this
module instead of checking on its own:

* :func:`read_file` reads only regular files (never a FIFO, a device such as ``/dev/zero`` or a
  folder), and at most :attr:`Limits.file_bytes`, counting what it reads, not ``st_size``;
* the playlist readers inflate ``.gz`` and ``.zip`` in chunks and stop at :func:`inflate_limit`
  (:attr:`Limits.inflated_bytes`, and :attr:`Limits.inflate_ratio` times the packed size), and
  parse JSON as a stream under :attr:`Limits.json_bytes` (:mod:`songsim.io.mpd`);
* :func:`check_count` and :func:`check_int` bound entries and integers (the playlist table
  builder bounds line length with :attr:`Limits.line_chars`);
* :func:`check_audio` refuses sample rates, channel counts and durations no real file has;
* :func:`check_pixels` bounds images.

The defaults fit real libraries (a Million Playlist Dataset slice is about 33 MB of JSON and
67,000 entries; a 1-hour DJ mix at 192 kHz is well inside). Each can be changed with an
environment variable ``SONGSIM_LIMIT_<NAME>`` (e.g. ``SONGSIM_LIMIT_JSON_BYTES=100000000``).
A limit that is hit raises the reader's own :class:`~songsim.errors.SongsimError` subclass with
one line naming the file.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import stat
from pathlib import Path

from .errors import SongsimError

MiB = 1024 * 1024
INT32_MAX = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class Limits:
    """Bounds on what one input may cost.

    Attributes
    ----------
    file_bytes : int      bytes read from one file
    upload_bytes : int    bytes of one dashboard upload
    inflated_bytes : int  bytes inflated from one ``.gz`` or ``.zip``
    inflate_ratio : int   inflated bytes per packed byte (real JSON packs about 10:1)
    json_bytes : int      JSON text parsed at once (parsing costs up to ~20× the text)
    entries : int         playlist entries in one file
    line_chars : int      characters in one line or field of a playlist file
    path_depth : int      folders below an ingest root
    sample_rate : int     Hz; the highest rate real audio is recorded at
    channels : int        channels of one audio file
    audio_hours : float   hours of one audio track
    image_pixels : int    pixels of one spectrogram image
    upload_entries : int  playlist entries of one dashboard upload (a real upload holds
                          thousands: the budget keeps an upload's memory near its size)
    clips_per_track : int clips taken from one track (``--clips``)
    raw_tracks : int      tracks the raw-spectrogram embedding is offered for (83 kB a track)
    """

    file_bytes: int = 512 * MiB
    upload_bytes: int = 50 * MiB
    inflated_bytes: int = 512 * MiB
    inflate_ratio: int = 200
    json_bytes: int = 40 * MiB
    entries: int = 5_000_000
    line_chars: int = 32_768
    path_depth: int = 64
    sample_rate: int = 384_000
    channels: int = 64
    audio_hours: float = 24.0
    image_pixels: int = 50_000_000
    upload_entries: int = 200_000
    clips_per_track: int = 64
    raw_tracks: int = 5_000


_UPLOAD = contextvars.ContextVar("songsim_upload", default=False)


@contextlib.contextmanager
def for_an_upload():
    """Within the block, :func:`limits` holds an upload to :attr:`Limits.upload_entries` entries
    (the dashboard reads an uploaded file so)."""
    token = _UPLOAD.set(True)
    try:
        yield
    finally:
        _UPLOAD.reset(token)


def limits() -> Limits:
    """The limits in force: the defaults, with ``SONGSIM_LIMIT_<NAME>`` overrides (and the upload
    budget inside :func:`for_an_upload`)."""
    found = _limits()
    if _UPLOAD.get():
        return dataclasses.replace(found, entries=min(found.entries, found.upload_entries))
    return found


def _limits() -> Limits:
    changes = {}
    for f in dataclasses.fields(Limits):
        raw = os.environ.get(f"SONGSIM_LIMIT_{f.name.upper()}")
        if raw:
            try:
                changes[f.name] = type(f.default)(float(raw))
            except ValueError:
                raise SongsimError(
                    f"SONGSIM_LIMIT_{f.name.upper()}={raw!r}: not a number"
                ) from None
    return dataclasses.replace(Limits(), **changes) if changes else Limits()


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (symlinks followed; loops and FIFOs are not)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_file(path: Path, label: str, error=SongsimError, *, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (default :attr:`Limits.file_bytes`).

    The file is opened without blocking and checked to be a regular file before any byte is
    read, so a FIFO never hangs and ``/dev/zero`` is refused; the limit counts the bytes read.
    """
    limit = limits().file_bytes if max_bytes is None else max_bytes
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{label}: cannot read file ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{label}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"{label}: cannot read file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{label}: file is over the {limit}-byte limit")
    return data


def inflate_limit(packed_bytes: int) -> int:
    """Most bytes that ``packed_bytes`` of compressed data may inflate to."""
    lim = limits()
    return min(lim.inflated_bytes, max(1 * MiB, lim.inflate_ratio * packed_bytes))


def check_count(n: int, label: str, what: str = "playlist entries", error=SongsimError) -> None:
    lim = limits().entries
    if n > lim:
        raise error(f"{label}: more than {lim} {what} (limit)")


def check_int(value: int, label: str, what: str, error=SongsimError, *, high=INT32_MAX) -> int:
    """``value`` if ``0 <= value <= high``; integers are range-checked, never wrapped."""
    if not 0 <= value <= high:
        shown = str(value) if abs(value) < 10**30 else f"{str(value)[:20]}…"
        raise error(f"{label}: {what} {shown} is out of range (0 to {high})")
    return value


def check_audio(label: str, sample_rate: int, channels: int, frames: int, error=SongsimError):
    """Refuse an audio header no real recording has: memory follows these numbers."""
    lim = limits()
    if not 1000 <= sample_rate <= lim.sample_rate:
        raise error(
            f"{label}: sample rate {sample_rate} Hz is outside 1000–{lim.sample_rate} Hz (limit)"
        )
    if not 1 <= channels <= lim.channels:
        raise error(f"{label}: {channels} channels is outside 1–{lim.channels} (limit)")
    if frames / sample_rate > lim.audio_hours * 3600:
        raise error(
            f"{label}: declares {frames / sample_rate / 3600:.1f} hours, over the "
            f"{lim.audio_hours:g}-hour limit"
        )


def check_pixels(label: str, width: int, height: int, error=SongsimError) -> None:
    lim = limits().image_pixels
    if width * height > lim:
        raise error(f"{label}: image of {width}×{height} is over the {lim}-pixel limit")


def check_clips(n: int) -> int:
    """``n`` if it is a number of clips per track this server allows (1 to
    :attr:`Limits.clips_per_track`)."""
    top = limits().clips_per_track
    if not isinstance(n, int) or not 1 <= n <= top:
        raise SongsimError(f"clips per track must be 1 to {top} (got {n}; limit)")
    return n


def check_text(text: str, what: str) -> str:
    """``text`` (a path or a name someone typed) when it holds no NUL or other control
    character; else one line saying so."""
    if any(ord(c) < 32 or ord(c) == 127 for c in str(text)):
        raise SongsimError(f"the {what} holds a control character (a NUL or a line break)")
    return text


def check_lines(text: str, label: str, error=SongsimError) -> str:
    """``text`` when none of its lines is longer than :attr:`Limits.line_chars` — checked in one
    pass before any parser builds a row of it (a 48 MB one-line CSV becomes no list)."""
    import re

    lim = limits().line_chars
    long = re.search(rf"[^\r\n]{{{lim + 1}}}", text)
    if long:
        line = text.count("\n", 0, long.start()) + 1
        raise error(f"{label}: line {line}: longer than {lim} characters (limit)")
    return text
