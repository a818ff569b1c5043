"""Writing files so that nothing is ever half-written, and setting damaged ones aside.

Every file or directory thematic writes (results, metadata, drafts, the price cache, the
panel store, the metrics history) goes through :func:`atomic_path` or :func:`atomic_dir`:
the content is written to a temporary name beside the target, flushed, and renamed over the
target in one ``os.replace``.  A process killed at any instant leaves the old file or the
new one, never a mixture.  The new file gets the mode a plain ``open()`` would give it
under the user's umask (``mkstemp`` would leave it ``0600``, private to its writer).

Damaged files (unreadable cache entries, a broken panel store) are never deleted silently:
:func:`set_aside` moves them to a ``quarantine/`` folder and issues a
:class:`~thematic.errors.DamagedFileWarning` naming the file and the fault.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from thematic.errors import DamagedFileWarning, UsageError

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    # os.umask can only be read by setting it; hold a lock so threads do not race on it.
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def check_writable_target(path: Path, param: str = "path") -> None:
    """Raise a :class:`UsageError` when ``path`` cannot become a regular file.

    Checked before any work is done, so that a bad ``--output`` fails at once and leaves
    nothing behind: the target is an existing directory, or a parent is an existing file.

    Examples
    --------
    >>> check_writable_target(Path("."), "--output")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --output: . is a directory; give a file name
    """
    if path.is_dir():
        raise UsageError(f"{param}: {path} is a directory; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{param}: {path}: {parent} is a file, not a directory")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UsageError(f"{param}: {path}: cannot write in {parent} (permission denied)")
            break


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_targets_apart(targets: Mapping[str, Path | None], inputs: Iterable[Path] = ()) -> None:
    """Raise a :class:`UsageError` when an output would overwrite an input or another output.

    Checked before any work: ``--output`` onto the basket file it reads, or ``--output`` and
    ``--metadata`` on one path, would lose a file (or write one result over the other).

    Parameters
    ----------
    targets
        Output paths by the option that names them (``{"--output": Path(...)}``); None: unset.
    inputs
        The files the command reads.

    Examples
    --------
    >>> check_targets_apart({"--output": Path("a.csv"), "--metadata": Path("./a.csv")})
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --metadata: a.csv is also given to --output; give each its own file
    """
    given = [(param, Path(p)) for param, p in targets.items() if p is not None]
    for k, (param, path) in enumerate(given):
        for other, earlier in given[:k]:
            if _same_file(path, earlier):
                raise UsageError(
                    f"{param}: {path} is also given to {other}; give each its own file"
                )
        for source in inputs:
            if _same_file(path, Path(source)):
                raise UsageError(f"{param}: {path} is an input of this command; it would be lost")


def check_not_an_input(path: Path, param: str, inputs: Sequence[tuple[Path, str]]) -> None:
    """Raise a :class:`UsageError` when ``path`` is one of a run's inputs or lies inside one.

    ``inputs`` pairs a file or directory the run reads (an events file, the cache) with the
    words that name it; writing a result there would destroy what the run (or the next one)
    reads.

    Examples
    --------
    >>> check_not_an_input(Path("cache/x.csv"), "--output", [(Path("cache"), "the cache")])
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --output: cache/x.csv is inside the cache (cache); write the result elsewhere
    """
    target = Path(path).resolve()
    for given, what in inputs:
        source = Path(given).resolve()
        if target == source:
            raise UsageError(f"{param}: {path} is {what}, which this run reads; write the "
                             "result elsewhere")  # fmt: skip
        if source in target.parents:
            raise UsageError(f"{param}: {path} is inside {what} ({given}); write the result "
                             "elsewhere")  # fmt: skip


@contextlib.contextmanager
def atomic_path(path: Path, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` if the block succeeds.

    Parent directories are created.  On any exception the temporary file is removed and the
    previous ``path`` (if any) is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        if fsync:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` if the block succeeds.

    An existing ``path`` is removed just before the rename, so a reader sees the old
    directory, then (for an instant) none, then the new one; never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        for child in tmp.iterdir():
            if child.is_file():
                os.chmod(child, 0o666 & ~_umask())
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def set_aside(path: Path, quarantine: Path, why: str) -> str:
    """Move a damaged file or directory into ``quarantine`` and warn; return the message.

    The message names the damaged path, the fault and where it went; the caller says what
    happens next (re-fetched, rebuilt).
    """
    quarantine.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = quarantine / f"{path.parent.name}-{path.stem}-{stamp}{path.suffix}"
    os.replace(path, target)
    message = f"{why}; set aside as {target}"
    warnings.warn(message, DamagedFileWarning, stacklevel=3)
    return message
