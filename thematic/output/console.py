"""The terminal: one-line messages on stderr, colour only on a terminal, warnings as lines.

Colour follows the usual conventions: only when the stream is a terminal and ``NO_COLOR``
is not set.  Results never go through here (they go to stdout or a file), so a job can pipe
``--format csv`` output while a person still reads the messages.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import IO, TypeVar

T = TypeVar("T")

_COLORS = {"error": "31", "warning": "33", "ok": "32"}


def use_color(stream: IO[str]) -> bool:
    """Tell whether ``stream`` is a terminal and ``NO_COLOR`` is not set."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def color(text: str, kind: str, stream: IO[str]) -> str:
    """Wrap ``text`` in the ANSI colour of ``kind`` when ``stream`` wants colour."""
    code = _COLORS.get(kind)
    return f"\033[{code}m{text}\033[0m" if code and use_color(stream) else text


def say(message: str, kind: str = "") -> None:
    """Print one message line on stderr, prefixed ``error:``/``warning:`` when given a kind."""
    text = f"{kind}: {message}" if kind else message
    print(color(text, kind, sys.stderr) if kind else text, file=sys.stderr)


def with_warnings_said(fn: Callable[[], T]) -> T:
    """Run ``fn``, then print each warning it issued as one ``warning:`` line (each once)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return fn()
        finally:  # also when fn fails: the warnings explain the error that follows
            for text in dict.fromkeys(str(w.message) for w in caught):
                say(text, "warning")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    """Wrap a long loop in a progress bar on stderr; return it unchanged when not a terminal."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(items, desc=desc, total=total, file=sys.stderr, leave=False)
    return bar
