"""Rendering results for people and programs: terminal text, CSV, JSON, Parquet.

:mod:`~thematic.output.console` owns the terminal (colour, messages on stderr, progress);
:mod:`~thematic.output.tables` turns result tables into text or files.  Charts and the HTML
report will join them here; nothing else in thematic imports matplotlib.
"""
