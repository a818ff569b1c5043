"""Dated special-treatment (ST) periods, as the user supplies them.

Whether a stock was ST on a past date is not in any data thematic ships (the stock table's
names are as of 2025-09; reading ``*ST`` there for a 2021 trade would be look-ahead).  A
user who has the history passes a CSV ``code,start,end`` (inclusive dates) with ``--st-table``;
during those periods the stock gets its board's ST price limit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from thematic.codes import exchange_of
from thematic.errors import UsageError


def load_st_table(path: str | Path, param: str = "st_table") -> tuple[tuple[str, str, str], ...]:
    r"""Read ``code,start,end`` rows; raise a :class:`UsageError` naming the file and row.

    ``param``: the caller's name for the table, which messages start with (``--st-table``
    on the command line).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "st.csv"
    >>> _ = p.write_text("code,start,end\n600000,2021-01-04,2021-06-30\n")
    >>> load_st_table(p)
    (('600000', '2021-01-04', '2021-06-30'),)
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{param}: {path}: cannot read ({exc})") from None
    missing = [c for c in ("code", "start", "end") if c not in df.columns]
    if missing:
        raise UsageError(f"{param}: {path}: missing column(s) {missing}")
    out = []
    for i, row in enumerate(df.itertuples(index=False), start=2):
        code = str(row.code).strip()
        if exchange_of(code) is None:
            raise UsageError(f"{param}: {path}: row {i}: code {code!r} is not an A-share code")
        start = pd.to_datetime(str(row.start), errors="coerce")
        end = pd.to_datetime(str(row.end), errors="coerce")
        if pd.isna(start) or pd.isna(end) or end < start:
            raise UsageError(
                f"{param}: {path}: row {i}: start {row.start!r} and end {row.end!r} are not "
                "dates with start <= end"
            )
        out.append((code, f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"))
    return tuple(out)
