"""``thematic draft``: draft basket YAML from a research report."""

from __future__ import annotations

import argparse

from thematic.errors import UsageError
from thematic.output.console import say


def cmd_draft(args: argparse.Namespace) -> int:
    """Draft basket YAML files from a report's text."""
    from thematic.draft import write_drafts

    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"--output-dir: {args.output_dir} is a file, not a directory")
    if not args.report.is_file():
        raise UsageError(f"{args.report}: no such report file")
    draft, files = write_drafts(args.report, args.output_dir, force=args.force)
    say(f"{args.report}: published {draft.published or 'TODO'}; broker {draft.broker or 'TODO'}; "
        f"analysts {', '.join(draft.analysts) or 'TODO'}")  # fmt: skip
    say(f"title: {draft.title or 'TODO'}")
    for theme, path in zip(draft.themes, files, strict=True):
        names = "、".join(f"{s.name}({s.code})" for s in theme.stocks)
        say(f"  {path}: {theme.name}: {names}")
    needs = [f"fill in {field} (left as TODO)" for field in draft.todo]
    needs += [f"unknown name, not added: {name}" for name in draft.unknown]
    needs += [f"ambiguous name, not added: {n} could be {', '.join(c)}"
              for n, c in draft.ambiguous.items()]  # fmt: skip
    needs += [f"check: {m}" for m in draft.mismatched]
    for line in needs:
        say(line, "warning")
    say(f"wrote {len(files)} draft basket(s); " + (
        f"{len(needs)} item(s) need a human" if needs else "review them before use"
    ))  # fmt: skip
    return 0
