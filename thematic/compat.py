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
    """Return ``name`` from the first of the modules ``homes`` that has it, warning the caller.

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
        for home in homes:
            module = import_module(home)
            if hasattr(module, name):
                warnings.warn(
                    f"{old}.{name} moved to {home}.{name}; import it from there "
                    f"(or from thematic when it is public): {old} will go",
                    DeprecationWarning,
                    stacklevel=3,
                )
                return getattr(module, name)
    raise AttributeError(f"module {old!r} has no attribute {name!r}")
