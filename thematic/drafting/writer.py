"""Writing drafted baskets: their ids and their YAML, one file per theme.

Ids come from the glossary of common themes (``thematic/data/theme_glossary.csv``), else
pinyin; every field the report did not give is written as an explicit ``TODO`` that fails
validation until a human fills it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from thematic.drafting.picks import Draft, Theme, draft_from_text
from thematic.drafting.reading import read_report
from thematic.drafting.text import normalize
from thematic.errors import DraftError
from thematic.files import write_text

TODO = "TODO"
GLOSSARY = Path(__file__).parents[1] / "data" / "theme_glossary.csv"


@cache
def glossary() -> dict[str, str]:
    """Map Chinese theme names to the ids a person would choose (``thematic/data/theme_glossary.csv``)."""
    import csv

    with GLOSSARY.open(encoding="utf-8") as f:
        return {normalize(r["name"]).upper(): r["id"] for r in csv.DictReader(f)}


def slug(name: str, taken: Iterable[str] = ()) -> str:
    """Make an id for a theme: the glossary's, else a pinyin slug; unique among ``taken``.

    Examples
    --------
    >>> slug("光通信"), slug("AI应用端"), slug("IDC", taken=["idc"]), slug("虚拟现实")
    ('optical_communications', 'ai_applications', 'idc_2', 'xu_ni_xian_shi')
    """
    from pypinyin import lazy_pinyin

    known = glossary().get(normalize(name).upper())
    words = [w for part in lazy_pinyin(name) for w in re.findall(r"[a-z0-9]+", part.lower())]
    base = known or "_".join(words) or "theme"
    taken = set(taken)
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    return out


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


def write_drafts(
    report: str | Path, output_dir: str | Path, force: bool = False
) -> tuple[Draft, list[Path]]:
    """Draft baskets from a report file and write one YAML per theme into ``output_dir``.

    Raises
    ------
    DraftError
        When the report cannot be read or has no recommendation, or a target file exists
        and ``force`` is false (nothing is written then).
    """
    report = Path(report)
    text, _ = read_report(report)
    try:
        draft = draft_from_text(text)
    except DraftError as exc:
        raise DraftError(f"{report}: {exc}") from None
    out = Path(output_dir)
    ids: list[str] = []
    for theme in draft.themes:
        ids.append(slug(theme.name, ids))
    targets = [out / f"{i}.yaml" for i in ids]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise DraftError(
            f"{existing[0]} already exists (and {len(existing) - 1} more); pass --force to "
            "overwrite"
        )
    for theme, basket_id, target in zip(draft.themes, ids, targets, strict=True):
        write_text(target, render_yaml(draft, theme, basket_id, report.name))
    return draft, targets
