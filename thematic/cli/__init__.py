"""The ``thematic`` command line (:mod:`thematic.cli.main`: the parser, exit codes, ``main``)."""

from thematic.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
