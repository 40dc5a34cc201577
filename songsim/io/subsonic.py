"""A client of the Subsonic / OpenSubsonic API that music servers speak (Navidrome, Ampache,
gonic, Airsonic, supysonic…): every song a user can see, their playlists, and playlists written.

Authentication follows the API: an OpenSubsonic ``apiKey`` when one is given; else token
authentication (``t`` = MD5 of password and a fresh salt ``s``) and, when the server says it
cannot check tokens (it stores passwords hashed: error 41, or it asks for ``p``), the password
hex-encoded (``p=enc:…``). The secret is never logged, printed or stored; error messages name
the server's address without it.

Every answer is read with a size bound (:data:`MAX_RESPONSE_BYTES`); a server that does not
answer Subsonic JSON, refuses the login or cannot be reached raises :class:`SubsonicError`
with one line.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

from ..errors import SongsimError

#: The API version songsim asks for (1.16.1: what Navidrome and the OpenSubsonic players use).
API_VERSION = "1.16.1"
#: How songsim introduces itself (``c``): a server shows it among its players.
CLIENT_NAME = "songsim"
#: Bytes of one answer (a page of 500 songs is about 0.5 MB).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Songs asked for per page of ``search3``.
PAGE_SONGS = 500
#: Subsonic error codes: wrong credentials; token authentication not supported.
WRONG_CREDENTIALS, NO_TOKEN_AUTH = 40, 41


class SubsonicError(SongsimError):
    """The server could not be reached, refused songsim, or did not answer as Subsonic does."""


class SubsonicClient:
    """One user's session with one server.

    Parameters
    ----------
    url : str        the server's address (``http://host:4533``; a trailing ``/rest`` is fine)
    user : str
    password : str   the user's password (or ``api_key`` instead, OpenSubsonic servers)
    timeout : float  seconds to wait for each answer
    """

    def __init__(
        self,
        url: str,
        user: str | None,
        *,
        password: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
    ):
        parsed = urllib.parse.urlsplit(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SubsonicError(f"'{url}': a server address is http://host[:port][/path]")
        if parsed.username or parsed.password:
            raise SubsonicError("the server address must not hold a user or password")
        if password is None and api_key is None:
            raise SubsonicError("no password: set SONGSIM_SUBSONIC_PASSWORD or --password-file")
        base = parsed.path.rstrip("/")
        base = base[: -len("/rest")] if base.endswith("/rest") else base
        self.url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, base, "", ""))
        self.user, self.timeout = user, timeout
        self._password, self._api_key = password, api_key
        self._token_auth = api_key is None  # until the server says it cannot check tokens

    # -- the wire ----------------------------------------------------------------------------

    def _auth(self) -> list[tuple[str, str]]:
        if self._api_key is not None:
            return [("apiKey", self._api_key)]
        if self._token_auth:
            salt = secrets.token_hex(8)
            token = hashlib.md5((self._password + salt).encode()).hexdigest()
            return [("u", self.user), ("t", token), ("s", salt)]
        return [("u", self.user), ("p", "enc:" + self._password.encode().hex())]

    def call(self, method: str, params: list[tuple[str, str]] | None = None, *, post=False):
        """The ``subsonic-response`` of ``method`` (a dict); :class:`SubsonicError` when the
        server answers an error."""
        answer = self._request(method, params or [], post)
        if answer.get("status") == "ok":
            return answer
        error = answer.get("error") or {}
        code = error.get("code")
        asks_password = code == 10 and self._token_auth  # e.g. supysonic: "missing parameter p"
        if self._token_auth and (code == NO_TOKEN_AUTH or asks_password):
            self._token_auth = False
            return self.call(method, params, post=post)
        if code == WRONG_CREDENTIALS or code == 44:
            raise SubsonicError(f"{self.url}: the server refused the login of user '{self.user}'")
        message = str(error.get("message") or "no message")[:200]
        raise SubsonicError(f"{self.url}: {method} failed (Subsonic error {code}: {message})")

    def _request(self, method: str, params: list[tuple[str, str]], post: bool) -> dict:
        fields = [*self._auth(), ("v", API_VERSION), ("c", CLIENT_NAME), ("f", "json"), *params]
        body = urllib.parse.urlencode(fields).encode()
        address = f"{self.url}/rest/{method}"
        request = (
            urllib.request.Request(address, data=body, method="POST")
            if post
            else urllib.request.Request(f"{address}?{body.decode()}")
        )
        request.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raw = exc.read(MAX_RESPONSE_BYTES + 1)  # some servers send the Subsonic error so
            if not raw.lstrip().startswith(b"{"):
                raise SubsonicError(f"{self.url}: HTTP {exc.code} for {method}") from None
        except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SubsonicError(f"{self.url}: cannot reach the server ({reason})") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise SubsonicError(f"{self.url}: {method} answered more than 64 MiB")
        try:
            answer = json.loads(raw)["subsonic-response"]
            if not isinstance(answer, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise SubsonicError(
                f"{self.url}: not a Subsonic server (no Subsonic JSON answer to {method})"
            ) from None
        return answer

    # -- what songsim asks -------------------------------------------------------------------

    def ping(self) -> dict:
        """Check the address and the login: ``{"version", "type", "serverVersion"…}``."""
        answer = self.call("ping")
        return {k: v for k, v in answer.items() if k != "status"}

    def songs(self, *, page: int = PAGE_SONGS) -> Iterator[dict]:
        """Every song the user can see, page by page: ``search3`` with an empty query (what
        OpenSubsonic asks servers to support for offline sync); a server that answers that
        with nothing is walked album by album (``getAlbumList2`` and ``getAlbum``)."""
        offset, seen = 0, 0
        while True:
            params = [("query", ""), ("songCount", str(page)), ("songOffset", str(offset))]
            params += [("artistCount", "0"), ("albumCount", "0")]
            try:
                answer = self.call("search3", params)
            except SubsonicError as exc:
                if "refused the login" in str(exc) or seen:
                    raise
                break  # a server that wants a query: walked by album below
            found = _listed(answer.get("searchResult3"), "song")
            yield from found
            seen += len(found)
            if len(found) < page:
                break
            offset += page
        if seen == 0:
            yield from self._songs_by_album(page)

    def _songs_by_album(self, page: int) -> Iterator[dict]:
        offset = 0
        while True:
            params = [("type", "alphabeticalByName"), ("size", str(page))]
            params.append(("offset", str(offset)))
            albums = _listed(self.call("getAlbumList2", params).get("albumList2"), "album")
            for album in albums:
                found = self.call("getAlbum", [("id", str(album["id"]))]).get("album")
                yield from _listed(found, "song")
            if len(albums) < page:
                return
            offset += page

    def playlists(self) -> list[dict]:
        """The user's playlists (and the public ones they see): ``id``, ``name``, ``comment``,
        ``owner``, ``songCount``."""
        return _listed(self.call("getPlaylists").get("playlists"), "playlist")

    def playlist_songs(self, playlist_id: str) -> list[dict]:
        """The songs of one playlist, in order."""
        found = self.call("getPlaylist", [("id", str(playlist_id))]).get("playlist") or {}
        return _listed(found, "entry")

    def create_playlist(self, name: str, song_ids: list[str]) -> str:
        """A new playlist of ``song_ids``; its id (from the answer, or the server's list when the
        server answers nothing, as older ones do)."""
        before = {str(p["id"]) for p in self.playlists()}
        params = [("name", name), *(("songId", s) for s in song_ids)]
        made = self.call("createPlaylist", params, post=True).get("playlist")
        if isinstance(made, dict) and made.get("id") is not None:
            return str(made["id"])
        new = [p for p in self.playlists() if str(p["id"]) not in before and p.get("name") == name]
        if len(new) != 1:
            raise SubsonicError(f"{self.url}: created playlist '{name}' but cannot find its id")
        return str(new[0]["id"])

    def replace_playlist(self, playlist_id: str, song_ids: list[str], *, comment: str = "") -> None:
        """Set playlist ``playlist_id``'s songs to ``song_ids`` (``createPlaylist`` with
        ``playlistId``: the API's way to replace a playlist's songs), and its comment."""
        params = [("playlistId", playlist_id), *(("songId", s) for s in song_ids)]
        self.call("createPlaylist", params, post=True)
        if comment:
            self.comment_playlist(playlist_id, comment)

    def comment_playlist(self, playlist_id: str, comment: str) -> None:
        """Set playlist ``playlist_id``'s comment."""
        self.call("updatePlaylist", [("playlistId", playlist_id), ("comment", comment)], post=True)


def _listed(container, key: str) -> list[dict]:
    """``container[key]`` as a list of dicts (servers send one item as a bare object, none as a
    missing key)."""
    if not isinstance(container, dict):
        return []
    items = container.get(key, [])
    items = [items] if isinstance(items, dict) else items
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
