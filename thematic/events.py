"""Tables of report calls (events): reading and checking them.

An events table has one row per constituent of a call: ``event_id, published, code`` and
optionally ``weight``.  Single-stock calls are one-row events.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from thematic.errors import UsageError

EVENT_COLUMNS: tuple[str, ...] = ("event_id", "published", "code", "weight")
_REQUIRED = EVENT_COLUMNS[:3]


def load_events(path: str | Path) -> pd.DataFrame:
    r"""Read an events table from CSV or Parquet and check its columns and values.

    Raises
    ------
    UsageError
        Naming the file, the column and the first offending row.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "calls.csv"
    >>> _ = p.write_text("event_id,published,code\nc1,2024-03-22,300308\n")
    >>> load_events(p).dtypes.astype(str).to_dict()
    {'event_id': 'str', 'published': 'datetime64[us]', 'code': 'str'}
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such events file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype={"event_id": str, "code": str})
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise UsageError(f"{path}: cannot read events ({type(exc).__name__}: {exc})") from None
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {missing}; have {list(df.columns)}")
    extra = [c for c in df.columns if c not in EVENT_COLUMNS]
    if extra:
        raise UsageError(f"{path}: unknown column(s) {extra}; allowed {list(EVENT_COLUMNS)}")
    df = df.loc[:, [c for c in EVENT_COLUMNS if c in df.columns]]
    df["event_id"] = df["event_id"].astype(str)
    codes = df["code"].astype(str)
    bad = ~codes.str.fullmatch(r"\d{6}")
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise UsageError(
            f"{path}: row {i + 2}: code {codes.iloc[i]!r} is not a 6-digit A-share code"
        )
    df["code"] = codes
    published = pd.to_datetime(df["published"], errors="coerce", format="mixed")
    if published.isna().any():
        i = int(published.isna().to_numpy().argmax())
        raise UsageError(
            f"{path}: row {i + 2}: published {df['published'].iloc[i]!r} is not a date"
        )
    df["published"] = published
    if "weight" in df.columns:
        w = pd.to_numeric(df["weight"], errors="coerce")
        bad = ~(w > 0) & df["weight"].notna()
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise UsageError(f"{path}: row {i + 2}: weight {df['weight'].iloc[i]} is not positive")
        df["weight"] = w
    return df
