"""Progress reporting that works in a terminal (tqdm) and in the dashboard (a callback)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
#: ``callback(done, total, message)``; the dashboard passes one that moves ``st.progress``.
Callback = Callable[[int, int, str], None]


def _bar_options() -> dict:
    """tqdm options: a live bar on a terminal; in a log (stderr not a terminal) a line every 30 s.
    Work done within a second shows no bar at all (so a quick failure prints only its error)."""
    live = sys.stderr.isatty()
    return {
        "leave": False,
        "dynamic_ncols": True,
        "mininterval": 0.1 if live else 30.0,
        "delay": 1.0,
    }


def track(
    items: Iterable[T], total: int, desc: str, callback: Callback | None = None
) -> Iterator[T]:
    """Yield ``items``, reporting progress to ``callback`` or, without one, to a tqdm bar on stderr."""
    if callback is None:
        from tqdm.auto import tqdm

        yield from tqdm(items, total=total, desc=desc, unit="", **_bar_options())
        return
    callback(0, total, desc)
    for i, item in enumerate(items, start=1):
        yield item
        callback(i, total, desc)


def terminal_callback() -> Callback:
    """A callback that drives a tqdm bar on stderr (one bar per distinct message prefix)."""
    from tqdm.auto import tqdm

    state: dict = {"bar": None}

    def callback(done: int, total: int, message: str) -> None:
        bar = state["bar"]
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            bar = state["bar"] = tqdm(total=total, desc="", **_bar_options())
        bar.set_description(message, refresh=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state["bar"] = None

    return callback
