"""``thematic draft``: a report (or a folder of reports) -> draft basket YAML for review."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path
from typing import Any

from thematic.errors import UsageError
from thematic.output.console import say


def add_draft_parser(sub: Any) -> None:
    """Add the ``draft`` command to the CLI's subparsers."""
    dr = sub.add_parser("draft", help="draft basket YAML from a research report")
    dr.add_argument("report", type=Path,
                    help="the report: PDF, a web page saved from a browser, or text (recognised "
                    "from the content); or a folder: every report in it, one output folder each")  # fmt: skip
    dr.add_argument("--output-dir", type=Path, default=Path("drafts"), help="default: %(default)s/")
    dr.add_argument("--force", action="store_true", help="overwrite existing files")
    dr.add_argument("--explain", action="store_true",
                    help="print which line each header field came from and, for every stock "
                    "the report mentions, why it was taken into a group or left out")  # fmt: skip
    dr.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    """Draft basket YAML files from a report, or from every report in a folder."""
    from thematic.drafting.writer import draft_file

    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"--output-dir: {args.output_dir} is a file, not a directory")
    if not args.report.exists():
        raise UsageError(f"{args.report}: no such report file or folder")
    if args.report.is_dir():
        return _draft_folder(args)
    done = draft_file(args.report, args.output_dir, force=args.force)
    needs = _say_drafted(done, args.explain)
    say(f"wrote {len(done.files)} draft basket(s); " + (
        f"{len(needs)} item(s) need a human" if needs else "review them before use"
    ))  # fmt: skip
    return 0


def needs_a_human(draft: Any) -> list[str]:
    """List what a person must fill in or check before the drafts can be used."""
    needs = [f"fill in {field} (left as TODO)" for field in draft.todo]
    needs += [f"unknown name, not added: {name}" for name in draft.unknown]
    needs += [f"ambiguous name, not added: {n} could be {', '.join(c)}"
              for n, c in draft.ambiguous.items()]  # fmt: skip
    needs += [f"check: {m}" for m in draft.mismatched]
    return needs


def _say_drafted(done: Any, explain: bool) -> list[str]:
    from thematic.drafting.explain import explain as explain_draft

    draft = done.draft
    say(f"{done.report}: published {draft.published or 'TODO'}; broker {draft.broker or 'TODO'}; "
        f"analysts {', '.join(draft.analysts) or 'TODO'}")  # fmt: skip
    say(f"title: {draft.title or 'TODO'}")
    for theme, path in zip(draft.themes, done.files, strict=True):
        names = "、".join(f"{s.name}({s.code})" for s in theme.stocks)
        say(f"  {path}: {theme.name}: {names}")
    needs = needs_a_human(draft)
    for line in needs:
        say(line, "warning")
    if explain:
        print(f"why ({done.report}, read as {done.document.kind}):")
        print(
            "\n".join(explain_draft(done.document.text, draft, done.ids, done.document.furniture))
        )
    return needs


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[list[str]], header: list[str]) -> str:
    """Align rows by display width (a CJK character counts two).

    Examples
    --------
    >>> print(table([["a", "测试证券"]], ["report", "broker"]))
    report  broker
    a       测试证券
    """
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, *rows]]  # fmt: skip
    return "\n".join(lines)


def _draft_folder(args: argparse.Namespace) -> int:
    from thematic.drafting.batch import draft_folder

    run = draft_folder(args.report, args.output_dir, force=args.force)
    rows: list[list[str]] = []
    for done in run.drafted:
        needs = _say_drafted(done, args.explain)
        d = done.draft
        rows.append([done.report.name, str(d.published or "TODO"), d.broker or "TODO",
                     str(len(done.files)), str(len(needs))])  # fmt: skip
    for report, reason in run.failed.items():
        say(reason, "error")
        rows.append([report.name, "-", "-", "0", "failed: see the error above"])
    if run.skipped:
        names = ", ".join(p.name for p in run.skipped[:3]) + (
            ", ..." if len(run.skipped) > 3 else ""
        )
        say(f"skipped {len(run.skipped)} file(s) that are not reports by their suffix: {names}",
            "warning")  # fmt: skip
    print(table(rows, ["report", "date", "broker", "groups", "need a human"]))
    files = sum(len(d.files) for d in run.drafted)
    say(f"wrote {files} draft basket(s) from {len(run.drafted)} report(s) into {args.output_dir}"
        + (f"; {len(run.failed)} report(s) failed" if run.failed else ""))  # fmt: skip
    return 2 if run.failed else 0
