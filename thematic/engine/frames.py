"""The engine's tables: the result table from the kernel's blocks, and the excluded rows.

Assembled once, column blocks handed to pandas without a copy; the notes that explain a row
without numbers are categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from thematic.constants import MAX_HORIZON, RESULT_COLUMNS, EntryRule
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded, missing_reasons
from thematic.engine.kernels import FLOAT_COLUMNS, INT_COLUMNS, HorizonBlocks
from thematic.rules import Horizon

MISSING_COLUMNS: tuple[str, ...] = ("basket", "code", "entry_date", "reason")


# Notes explaining a row without numbers; "" on rows that have them.
_NOTE_OK = ""


_NOTE_BEFORE = "published before the first session of the data ({first})"


_NOTE_AFTER = "no session after publication in the data (last session {last})"


_NOTE_NONE = "no constituent has a price on the entry day"


_NOTE_BEYOND = "horizon ends after the last session of the data ({last})"


_NOTE_ALL_SKIPPED = "every constituent's exit was blocked (skipped under --untradable skip)"


_NOTE_ALL_AFTER_EXIT = "every priced constituent was bought (delayed) after this horizon's exit"


def result_table(
    panel: PricePanel,
    rule: EntryRule,
    hs: Sequence[Horizon],
    blocks: HorizonBlocks,
    published: np.ndarray,
    entry_session: np.ndarray,
    before: np.ndarray,
    basket_dtype: pd.CategoricalDtype,
) -> pd.DataFrame:
    """Assemble the result table from its blocks (no column is copied to consolidate them)."""
    t = len(panel.dates)
    fl, ints, exit_s, note_code = blocks.floats, blocks.ints, blocks.exit_session, blocks.note_code
    n_events, n_h = exit_s.shape
    dates = panel.dates.to_numpy(dtype="datetime64[ns]")
    dates_nat = np.append(dates, np.datetime64("NaT", "ns"))
    first_day = f"{panel.dates[0]:%Y-%m-%d}"
    last = f"{panel.dates[-1]:%Y-%m-%d}"
    notes = [_NOTE_OK, _NOTE_BEFORE.format(first=first_day), _NOTE_AFTER.format(last=last),
             _NOTE_NONE, _NOTE_BEYOND.format(last=last), _NOTE_ALL_SKIPPED,
             _NOTE_ALL_AFTER_EXIT]  # fmt: skip
    note_code[exit_s >= t] = 4
    note_code[(blocks.n_priced == 0)[:, None] & (note_code == 0)] = 3
    note_code[~(entry_session < t), :] = 2
    note_code[before, :] = 1

    n_rows = n_events * n_h
    # Dates in one block: published, entry and exit session of every row.
    when = np.empty((3, n_events, n_h), dtype="datetime64[ns]")
    when[0] = published[:, None]
    when[1] = dates_nat[entry_session][:, None]
    when[2] = np.take(dates_nat, exit_s)
    if MAX_HORIZON in hs:
        horizon: np.ndarray = np.tile(np.array(hs, dtype=object), n_events)[None, :]
    else:
        horizon = np.empty((1, n_events, n_h), dtype=np.int32)
        horizon[0] = np.array(hs, dtype=np.int32)
    codes = np.empty((n_events, n_h), dtype=np.int32)
    codes[...] = np.arange(n_events, dtype=np.int32)[:, None]
    from pandas.api.internals import create_dataframe_from_blocks  # type: ignore[import-not-found]

    table: pd.DataFrame = create_dataframe_from_blocks(
        [
            (
                pd.Categorical.from_codes(codes.ravel(), dtype=basket_dtype, validate=False),
                np.array([0]),
            ),
            (when.reshape(3, n_rows), np.array([1, 3, 5])),
            (
                pd.Categorical.from_codes(
                    np.zeros(n_rows, dtype=np.int8), dtype=_one_category(rule), validate=False
                ),
                np.array([2]),
            ),
            (horizon.reshape(1, n_rows), np.array([4])),
            (ints.reshape(len(INT_COLUMNS), n_rows), np.arange(6, 12)),
            (fl.reshape(len(FLOAT_COLUMNS), n_rows), np.arange(12, 19)),
            (
                pd.Categorical.from_codes(
                    note_code.ravel(), dtype=_note_categories(tuple(notes)), validate=False
                ),
                np.array([19]),
            ),
        ],
        index=pd.RangeIndex(n_rows),
        columns=_RESULT_INDEX.copy(),  # (each table its own: a caller may rename it)
    )
    return table


_RESULT_INDEX = pd.Index(RESULT_COLUMNS)


@cache
def _one_category(value: str) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index([value], dtype="str"))


@cache
def _note_categories(notes: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(notes, dtype="str"))


def missing_table(
    panel: PricePanel, enc: Encoded, rows: np.ndarray, excluded_reason: dict[int, str]
) -> pd.DataFrame:
    """Return one row per constituent left out (``rows``), with the reason."""
    rows = rows[np.argsort(enc.event[rows], kind="stable")]  # by event, then row
    t = len(panel.dates)
    dates_nat = np.append(panel.dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
    reasons = missing_reasons(panel, enc, rows)
    if excluded_reason:
        text = [excluded_reason.get(int(r), str(x)) for r, x in zip(rows, reasons, strict=True)]
        values = pd.Index(text, dtype="str")
        reasons = pd.Categorical(values, categories=values.unique())  # order of appearance
    return pd.DataFrame(
        {
            "basket": pd.Categorical.from_codes(enc.event[rows], dtype=enc.basket_dtype),
            "code": pd.Categorical.from_codes(enc.code_of_row[rows], dtype=enc.code_dtype),
            "entry_date": dates_nat[np.minimum(enc.entry[enc.event[rows]], t)],
            "reason": reasons,
        },
        columns=list(MISSING_COLUMNS),
    )
