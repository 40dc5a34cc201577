"""``songsim serve``: the HTTP API a music server's plugin asks for similar songs.

It answers AudioMuse-AI's endpoints as its plugins (Navidrome's AudioMuse-AI plugin, Ampache's,
the Lyrion mixer) call and parse them, so pointing a plugin's ``apiUrl`` at songsim is all it
takes: ``GET /api/similar_tracks``, ``/api/find_path``, ``/api/similar_artists``, plus
``/api/health`` and the OpenAPI page (``/docs``). Songs are named by the linked server's ids (or
songsim's track ids for a dataset without a link); nothing answered holds a file path of the
server. FastAPI checks and bounds every parameter (a 422 JSON answer beyond them); an unknown id
is a 404 JSON answer; a wrong or missing ``Authorization: Bearer`` token a 401.

Read-only: nothing a request asks for writes to the library.
"""

from __future__ import annotations

import hmac

import numpy as np

from ..errors import SongsimError
from .library import Library, Served

#: The most songs, steps and artists one request may ask for.
MAX_SONGS, MAX_STEPS, MAX_ARTISTS = 500, 100, 100
#: Representative songs of each artist in a component match.
REPRESENTATIVE = 3


def answer(obj):
    """``obj`` as a JSON response, written once (no validation pass: the shapes are the
    documented models')."""
    import json

    from fastapi.responses import Response

    return Response(json.dumps(obj, separators=(",", ":")), media_type="application/json")


def models():
    """Pydantic models of the answers, for the OpenAPI page."""
    from pydantic import BaseModel

    class Track(BaseModel):
        item_id: str
        title: str
        author: str
        album: str
        distance: float
        tempo: float | None = None  # BPM, once songsim describe has measured the library
        key: str | None = None  # "A minor"
        camelot: str | None = None  # "8A"
        loudness: float | None = None  # LUFS

    class Path(BaseModel):
        path: list[Track]
        total_distance: float

    class Song(BaseModel):
        item_id: str
        title: str
        distance_to_component: float

    class Match(BaseModel):
        distance: float
        artist1_representative_songs: list[Song]
        artist2_representative_songs: list[Song]

    class Artist(BaseModel):
        artist: str
        artist_id: str
        divergence: float
        component_matches: list[Match] | None = None

    return Track, Path, Artist


def cosine_distance(sims) -> np.ndarray:
    """Cosine similarity in [−1, 1] → distance in [0, 1] (0: the same direction)."""
    return np.clip((1.0 - np.asarray(sims, dtype=np.float64)) / 2.0, 0.0, 1.0)


def create_app(library: Library, *, token: str | None):
    """The FastAPI application answering from ``library``; ``token`` None: no token asked."""
    from fastapi import Depends, FastAPI, Query, Request
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    from .. import __version__

    app = FastAPI(
        title="songsim",
        version=__version__,
        description="Similar songs from their audio alone, as AudioMuse-AI's API answers them.",
    )
    bearer = HTTPBearer(auto_error=False)
    Track, Path, Artist = models()

    class Refused(Exception):
        def __init__(self, status: int, message: str):
            self.status, self.message = status, message

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        said = [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()]
        return JSONResponse(
            {"error": "; ".join(said)[:300], "detail": jsonable_encoder(exc.errors())},
            status_code=422,
        )

    @app.exception_handler(SongsimError)
    async def user_error(request: Request, exc: SongsimError):
        return JSONResponse({"error": " ".join(str(exc).split())[:300]}, status_code=400)

    async def authorised(
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Refused(401, "a valid 'Authorization: Bearer <token>' header is required")

    def song_row(served: Served, item_id: str) -> int:
        row = served.row(item_id)
        if row is None:
            raise Refused(404, f"no song with id '{item_id[:100]}'")
        return row

    @app.get("/api/health")
    async def health() -> dict:
        """Whether the service answers, and what from (no token needed)."""
        served = library.current()
        return {
            "status": "ok",
            "dataset": library.name,
            "kind": library.kind,
            "tracks": int(served.n_tracks),
            "songs_served": int(served.served.sum()),
            "linked": served.linked,
            "version": served.version,
            "reload_failed": library.error,  # the error's kind, or null
        }

    @app.get("/api/similar_tracks", dependencies=[Depends(authorised)], response_model=list[Track])
    async def similar_tracks(
        item_id: str = Query(..., max_length=1000, description="the song's id"),
        n: int = Query(10, ge=1, le=MAX_SONGS, description="how many songs"),
        eliminate_duplicates: bool = Query(True, description="copies of a recording are one song"),
        radius_similarity: bool = Query(False, description="accepted; songsim ranks by distance"),
        server: str | None = Query(None, max_length=200, description="accepted; one server"),
    ):
        """The ``n`` songs nearest to ``item_id``, nearest first; ``distance`` in [0, 1]."""
        from ..analysis.similar import nearest

        served = library.current()
        row = song_row(served, item_id)
        songs = served.songs if eliminate_duplicates else None
        rows, sims = nearest(
            served.index.X, row, n=n, songs=songs, index=served.index, allowed=served.served
        )
        return answer([served.track(r, d) for r, d in zip(rows, cosine_distance(sims))])

    @app.get("/api/find_path", dependencies=[Depends(authorised)], response_model=Path)
    async def find_path(
        start_song_id: str = Query(..., max_length=1000),
        end_song_id: str = Query(..., max_length=1000),
        max_steps: int = Query(
            25, ge=2, le=MAX_STEPS, description="songs in the path, ends included"
        ),
        count: int | None = Query(
            None, ge=2, le=MAX_STEPS, description="the same, as Navidrome's plugin sends it"
        ),
        path_fix_size: bool = Query(
            False, description="accepted; the path has max_steps songs when the library has them"
        ),
        mood_pct: int | None = Query(None, ge=0, le=100, description="accepted; audio only"),
        server: str | None = Query(None, max_length=200),
    ):
        """A path of songs from the start song to the end song; each song's ``distance`` is from
        the song before it, ``total_distance`` their sum."""
        from ..analysis.paths import line_path

        served = library.current()
        start, end = song_row(served, start_song_id), song_row(served, end_song_id)
        if served.songs[start] == served.songs[end]:
            raise Refused(400, "the start and end songs are the same song")
        rows = line_path(
            served.index.X,
            start,
            end,
            length=max_steps if count is None else min(count, max_steps),
            songs=served.songs,
            index=served.index,
            allowed=served.served,
        )
        X = served.index.X
        steps = np.concatenate([[0.0], cosine_distance(np.sum(X[rows[1:]] * X[rows[:-1]], axis=1))])
        return answer(
            {
                "path": [served.track(r, d) for r, d in zip(rows, steps)],
                "total_distance": round(float(steps.sum()), 6),
            }
        )

    @app.get(
        "/api/similar_artists", dependencies=[Depends(authorised)], response_model=list[Artist]
    )
    async def similar_artists(
        artist: str = Query(..., max_length=1000, description="an artist's id or name"),
        n: int = Query(10, ge=1, le=MAX_ARTISTS),
        include_component_matches: bool = Query(False),
        server: str | None = Query(None, max_length=200),
    ):
        """Artists whose songs' mean vector is nearest the artist's, nearest first."""
        served = library.current()
        artists = served.artists
        me = artists.find(artist)
        if me is None:
            raise Refused(404, f"no artist '{artist[:100]}'")
        sims = artists.means @ artists.means[me]
        sims[me] = -np.inf
        order = np.argsort(-sims, kind="stable")[: min(n, len(sims) - 1)]
        out = []
        for other in order:
            found = {
                "artist": str(artists.names[other]),
                "artist_id": str(artists.ids[other]),
                "divergence": round(float(cosine_distance(sims[other])), 6),
            }
            if include_component_matches:
                found["component_matches"] = [
                    {
                        "distance": found["divergence"],
                        "artist1_representative_songs": _representatives(served, me, other),
                        "artist2_representative_songs": _representatives(served, other, me),
                    }
                ]
            out.append(found)
        return answer(out)

    return app


def _representatives(served: Served, artist: int, towards: int) -> list[dict]:
    """The :data:`REPRESENTATIVE` songs of ``artist`` nearest the mean of artist ``towards``."""
    rows = np.flatnonzero(served.artists.member == artist)
    sims = served.index.X[rows] @ served.artists.means[towards]
    best = np.argsort(-sims, kind="stable")[:REPRESENTATIVE]
    return [
        {
            "item_id": served.ids[rows[i]],
            "title": served.titles[rows[i]],
            "distance_to_component": round(float(d), 6),
        }
        for i, d in zip(best, cosine_distance(sims[best]))
    ]
