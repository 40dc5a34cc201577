"""How deep JSON text nests, measured on its bytes as they stream past, before a parser sees them.

A parser that names every event's place in the document (ijson's ``parse``) keeps one name per
open level, each as long as the path to it: ``[[[…]]]`` 100,000 deep would cost gigabytes. Counting
brackets outside strings is enough to refuse such text first. The count is vectorised over
blocks of the text (numpy), carrying what a block leaves open — the depth, whether a string is
open, a run of backslashes — to the next, so it costs a few per cent of parsing.
"""

from __future__ import annotations

import numpy as np

_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN, _CLOSE = (ord("["), ord("{")), (ord("]"), ord("}"))
#: Bytes looked at together (its arrays are a few times this size).
BLOCK = 64 * 1024


class NestingGuard:
    """Feed it a text's bytes in order; :meth:`feed` returns the deepest nesting seen so far.

    Quotes end a string unless an odd run of backslashes comes before them; brackets inside
    strings do not count. Text that is not valid JSON may be counted wrongly from the first
    fault on, which the parser then reports.
    """

    def __init__(self):
        self.depth = 0  # levels open after the bytes fed so far
        self.deepest = 0
        self._in_string = False
        self._backslashes = 0  # the run of backslashes the last block ended with

    def feed(self, data: bytes) -> int:
        for start in range(0, len(data), BLOCK):
            self._block(np.frombuffer(data, np.uint8, min(BLOCK, len(data) - start), start))
        return self.deepest

    def _block(self, b: np.ndarray) -> None:
        quotes = np.flatnonzero(b == _QUOTE)
        slash = b == _BACKSLASH
        any_slash = slash.any()
        if len(quotes) and (any_slash or self._backslashes):
            # the run of backslashes just before each quote (from the last block too, if it
            # reaches back to this block's start); an odd run escapes the quote
            last_other = np.maximum.accumulate(np.where(slash, -1, np.arange(len(b))))
            before = quotes - 1
            seen = np.where(before >= 0, last_other[np.maximum(before, 0)], -1)
            run = before - seen + np.where(seen < 0, self._backslashes, 0)
            quotes = quotes[run % 2 == 0]
        opens = (b == _OPEN[0]) | (b == _OPEN[1])
        brackets = np.flatnonzero(opens | (b == _CLOSE[0]) | (b == _CLOSE[1]))
        if len(brackets):
            outside = (self._in_string + np.searchsorted(quotes, brackets)) % 2 == 0
            brackets = brackets[outside]
        if len(brackets):
            path = self.depth + np.cumsum(np.where(opens[brackets], 1, -1))
            self.deepest = max(self.deepest, int(path.max()))
            self.depth = int(path[-1])
        self._in_string = bool((self._in_string + len(quotes)) % 2)
        if any_slash and slash[-1]:
            others = np.flatnonzero(~slash)
            run = len(b) - 1 - (others[-1] if len(others) else -1)
            self._backslashes = run + (self._backslashes if not len(others) else 0)
        else:
            self._backslashes = 0
