"""Old import paths that keep working after a module moved, with a deprecation warning.

A module that moved leaves a small module at its old path whose ``__getattr__`` calls
:func:`moved`: ``from thematic.pipeline import evaluate`` still works, warns once where it is
written, and names the new home.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import Any


def moved(old: str, name: str, *homes: str) -> Any:
    """Return ``name`` from the module of ``homes`` that defines it, warning the caller.

    A name only imported there is taken from the first home that has it.

    Parameters
    ----------
    old
        The old module's name (its ``__name__``).
    name
        The attribute asked for.
    homes
        Where the old module's public names live now, searched in order.

    Raises
    ------
    AttributeError
        When no home has ``name`` (as for any module without that attribute).
    """
    if not name.startswith("__"):
        found = [(h, getattr(m, name)) for h in homes if hasattr(m := import_module(h), name)]
        # The home that defines the name, rather than one that imports it.
        defined = [(h, v) for h, v in found if getattr(v, "__module__", None) == h]
        for home, value in (defined or found)[:1]:
            warnings.warn(
                f"{old}.{name} moved to {home}.{name}; import it from there "
                f"(or from thematic when it is public): {old} will go",
                DeprecationWarning,
                stacklevel=3,
            )
            return value
    raise AttributeError(f"module {old!r} has no attribute {name!r}")
