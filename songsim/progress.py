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


class BackgroundTask:
    """``fn(progress=callback)`` run once in a daemon thread, its progress (and then its
    ``result`` or ``error``) readable from any thread.

    The dashboard starts long shared work (the demo corpus on first open) this way: a visitor who
    clicks away interrupts only the page that was watching, never the work, and every page and
    visitor reads the same progress. :meth:`start` joins the running task, or starts it again
    once it has ended. What the thread freed is handed back when it ends (:mod:`songsim.heap`).
    """

    def __init__(self, fn: Callable[..., object], name: str):
        import threading

        self.fn, self.name = fn, name
        self._lock = threading.Lock()
        self._thread = None
        self.done, self.total, self.message = 0, 0, "starting"
        self.error: BaseException | None = None
        self.result = None

    def start(self) -> BackgroundTask:
        import threading

        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self.error, self.done, self.total, self.message = None, 0, 0, "starting"
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return self

    def _run(self) -> None:
        from . import heap

        try:
            self.result = self.fn(progress=self._progress)
        except BaseException as exc:  # kept for the pages to show; the thread ends
            self.error = exc
        finally:
            heap.trim()  # what the thread freed goes back to the system

    def _progress(self, done: int, total: int, message: str) -> None:
        self.done, self.total, self.message = done, total, message

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True when the task has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running
