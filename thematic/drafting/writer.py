"""Writing drafted baskets: their ids and their YAML, one file per theme.

Ids come from the glossary of common themes (``thematic/data/theme_glossary.csv``), else
pinyin; every field the report did not give is written as an explicit ``TODO`` that fails
validation until a human fills it in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from thematic.drafting.ids import slug
from thematic.drafting.picks import Draft, Theme, draft_from_text
from thematic.drafting.reading import Document, read_document
from thematic.errors import DraftError
from thematic.files import atomic_path

TODO = "TODO"


def _yaml_str(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def render_yaml(draft: Draft, theme: Theme, basket_id: str, source: str) -> str:
    """Render one drafted basket as YAML (TODO fields fail validation until filled)."""
    todo = "  # TODO: not found in the report; fill in"
    published = draft.published.isoformat() if draft.published else f"{TODO}{todo} (YYYY-MM-DD)"
    analysts = (
        "[" + ", ".join(_yaml_str(a) for a in draft.analysts) + "]"
        if draft.analysts
        else f"[{TODO}]{todo}"
    )
    lines = [
        f"# Drafted by `thematic draft` from {source}: review before use.",
        f"id: {basket_id}",
        f"name: {_yaml_str(theme.name)}",
        "report:",
        f"  title: {_yaml_str(draft.title) if draft.title else TODO + todo}",
        f"  broker: {_yaml_str(draft.broker) if draft.broker else TODO + todo}",
        f"  analysts: {analysts}",
        f"  published: {published}",
        'benchmark: "000300"',
        "constituents:",
        *(f'  - {{code: "{s.code}", name: {_yaml_str(s.name)}}}' for s in theme.stocks),
    ]
    return "\n".join(lines) + "\n"


def check_targets(targets: list[Path], output_dir: Path, force: bool) -> None:
    """Refuse, before anything is written, a set of drafts that cannot all be written.

    Raises
    ------
    DraftError
        When ``output_dir`` is a file or cannot be written in, a target is a directory, or
        targets exist and ``force`` is false.
    """
    if output_dir.exists() and not output_dir.is_dir():
        raise DraftError(f"--output-dir: {output_dir} is a file, not a directory")
    for parent in (output_dir, *output_dir.parents):
        if parent.exists():
            if not parent.is_dir():
                raise DraftError(f"--output-dir: {output_dir}: {parent} is a file, not a directory")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise DraftError(f"--output-dir: cannot write in {parent} (permission denied)")
            break
    in_the_way = [t for t in targets if t.is_dir()]
    if in_the_way:
        raise DraftError(
            f"{in_the_way[0]} is a directory, in the way of a draft basket; move it or choose "
            "another --output-dir (nothing was written)"
        )
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise DraftError(
            f"{existing[0]} already exists (and {len(existing) - 1} more); pass --force to "
            "overwrite"
        )


def write_all(files: dict[Path, str], output_dir: Path) -> None:
    """Write every file or none: each goes to a temporary name, all are renamed at the end.

    Raises
    ------
    DraftError
        Naming ``output_dir`` (never a temporary file) when the file system refuses.
    """
    try:
        with contextlib.ExitStack() as stack:
            for target, text in files.items():
                tmp = stack.enter_context(atomic_path(target, fsync=False))
                tmp.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise DraftError(
            f"--output-dir: cannot write the drafts in {output_dir} ({exc.strerror or exc}); "
            "nothing was written"
        ) from None


def run_ids(names: list[str], published: dt.date | None, taken: Iterable[str] = ()) -> list[str]:
    """Give a report's themes ids unique within the run; ``taken`` are other reports' ids.

    An id another report of the run already has gets this report's date (the two baskets
    are the same theme called at different times), then a number.

    Examples
    --------
    >>> run_ids(["运营商", "卫星互联网"], dt.date(2024, 10, 9), taken=["telecom_carriers"])
    ['telecom_carriers_20241009', 'satellite_internet']
    """
    taken = set(taken)
    ids: list[str] = []
    for name in names:
        own = slug(name, ids)
        if own in taken and published is not None:
            own = f"{own}_{published:%Y%m%d}"
        base, n = own, 2
        while own in taken or own in ids:
            own, n = f"{base}_{n}", n + 1
        ids.append(own)
    return ids


@dataclass(frozen=True)
class Drafted:
    """A report drafted and written: what was read, what was recognised, what was written."""

    report: Path
    document: Document
    draft: Draft
    ids: list[str]
    files: list[Path]


def draft_file(
    report: str | Path, output_dir: str | Path, force: bool = False, taken: Iterable[str] = ()
) -> Drafted:
    """Draft baskets from a report file and write one YAML per theme into ``output_dir``.

    ``taken`` are ids already used in this run (by other reports): the new ones differ.

    Raises
    ------
    DraftError
        When the report cannot be read or has no recommendation, or the drafts cannot all
        be written (:func:`check_targets`): nothing is written then.
    """
    report = Path(report)
    doc = read_document(report)
    try:
        draft = draft_from_text(doc.text, doc.furniture)
    except DraftError as exc:
        raise DraftError(f"{report}: {exc}") from None
    out = Path(output_dir)
    ids = run_ids([t.name for t in draft.themes], draft.published, taken)
    targets = [out / f"{i}.yaml" for i in ids]
    check_targets(targets, out, force)
    write_all(
        {t: render_yaml(draft, theme, i, report.name)
         for theme, i, t in zip(draft.themes, ids, targets, strict=True)},
        out,
    )  # fmt: skip
    return Drafted(report, doc, draft, ids, targets)


def write_drafts(
    report: str | Path, output_dir: str | Path, force: bool = False
) -> tuple[Draft, list[Path]]:
    """Draft baskets from a report file into ``output_dir`` (:func:`draft_file`).

    Raises
    ------
    DraftError
        When the report cannot be read or has no recommendation, or the drafts cannot all
        be written: nothing is written then.
    """
    done = draft_file(report, output_dir, force)
    return done.draft, done.files
