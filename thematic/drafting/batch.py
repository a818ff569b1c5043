"""Drafting every report in a folder: one output folder per report, one bad file not fatal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from thematic.drafting.writer import Drafted, draft_file
from thematic.errors import DraftError

#: What a folder's reports are recognised by (the format itself is read from the content).
REPORT_SUFFIXES = (".pdf", ".html", ".htm", ".txt", ".text", ".md")


@dataclass
class FolderRun:
    """The drafts of a folder's reports, and the reports that could not be drafted."""

    drafted: list[Drafted] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)


def reports_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """Return the reports in ``folder`` (by suffix, sorted) and the other files skipped."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    reports = [p for p in files if p.suffix.lower() in REPORT_SUFFIXES]
    return reports, [p for p in files if p not in reports]


def output_names(reports: list[Path]) -> dict[Path, str]:
    """Name each report's output folder by its stem, by its full name when two stems clash.

    Examples
    --------
    >>> output_names([Path("a.pdf"), Path("a.txt"), Path("b.html")])
    {PosixPath('a.pdf'): 'a_pdf', PosixPath('a.txt'): 'a_txt', PosixPath('b.html'): 'b'}
    """
    stems = [p.stem for p in reports]
    return {p: p.stem if stems.count(p.stem) == 1 else re.sub(r"\W", "_", p.name) for p in reports}


def draft_folder(folder: str | Path, output_dir: str | Path, force: bool = False) -> FolderRun:
    """Draft every report in ``folder`` into ``output_dir/<report>/``; ids unique in the run.

    A report that cannot be drafted is recorded in ``failed`` with its one-line reason and
    the others are still drafted.

    Raises
    ------
    DraftError
        When ``folder`` holds no report at all.
    """
    folder, out = Path(folder), Path(output_dir)
    reports, skipped = reports_in(folder)
    if not reports:
        raise DraftError(
            f"{folder}: no report in the folder (looked for {', '.join(REPORT_SUFFIXES)})"
        )
    run = FolderRun(skipped=skipped)
    taken: list[str] = []
    for report, name in output_names(reports).items():
        try:
            done = draft_file(report, out / name, force=force, taken=taken)
        except DraftError as exc:
            run.failed[report] = str(exc)
            continue
        taken += done.ids
        run.drafted.append(done)
    return run
