"""YAML read strictly: a key given twice in one mapping is an error, not last-one-wins.

``yaml.safe_load`` keeps the last of two ``published:`` lines silently; a basket file that
says two things must be refused, naming the key and both lines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml


class _DuplicateKey(Exception):
    """A mapping of the YAML document gives one key twice (YAML would keep the last)."""

    def __init__(self, key: str, first_line: int, second_line: int) -> None:
        self.key, self.first_line, self.second_line = key, first_line, second_line
        super().__init__(key)


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` refusing a key given twice in one mapping (not last-one-wins)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool, dt.date)) and key in seen:
                raise _DuplicateKey(str(key), seen[key], line)
            if isinstance(key, (str, int, float, bool, dt.date)):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(text: str) -> Any:
    r"""Parse a YAML document as ``yaml.safe_load`` does, refusing duplicated keys.

    Raises
    ------
    yaml.YAMLError
        The text is not YAML.
    ValueError
        A mapping gives a key twice; the message names the key and both lines.

    Examples
    --------
    >>> read_yaml("id: a\nid: b\n")
    Traceback (most recent call last):
    ...
    ValueError: key 'id' is given twice (lines 1 and 2); remove one
    """
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # (a SafeLoader subclass)
    except _DuplicateKey as dup:
        raise ValueError(
            f"key {dup.key!r} is given twice (lines {dup.first_line} and {dup.second_line}); "
            "remove one"
        ) from None
