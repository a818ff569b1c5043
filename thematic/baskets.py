"""Basket definitions: the YAML schema, its validation, and loading.

A basket file ``baskets/<id>.yaml`` looks like::

    id: optical_communications
    name: 光通信
    report:
      title: 人工智能行业应用如火如荼，数字经济算力基建再接再厉
      broker: 中国银河证券
      analysts: [赵良毕]
      published: 2024-03-22
    benchmark: "000300"
    constituents:
      - {code: "300308", name: 中际旭创}
      - {code: "300502", name: 新易盛}

Every rule violation raises :class:`~thematic.errors.BasketError` naming the file, the field
path and the offending value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from thematic.codes import exchange_of, is_code_format, is_index_code, warn_on_names
from thematic.constants import CSI300, WEIGHT_SUM_TOLERANCE
from thematic.errors import BasketError, BasketErrors, UsageError
from thematic.rules import china_today
from thematic.strict_yaml import read_yaml

if TYPE_CHECKING:
    import pandas as pd

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")


TODO_MARK = "TODO"


def _reject_todo(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and v.strip().upper().startswith(TODO_MARK) for v in items):
        raise ValueError("is a TODO left by `thematic draft`: fill it in")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Constituent(_Strict):
    """One stock of a basket, with an optional weight."""

    code: str
    name: str = ""
    weight: float | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_is_quoted_string(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                "must be a quoted string: YAML reads unquoted codes as numbers and drops "
                'leading zeros (write code: "000034")'
            )
        return value

    @field_validator("code")
    @classmethod
    def _code_is_a_share(cls, value: str) -> str:
        if not is_code_format(value):
            raise ValueError("is not a 6-digit A-share code")
        if exchange_of(value) is None:
            raise ValueError("is not a Shanghai, Shenzhen or Beijing A-share code")
        return value

    @field_validator("weight")
    @classmethod
    def _weight_positive(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError("must be a positive number")
        return value


class Report(_Strict):
    """The research report a basket comes from."""

    title: str = Field(min_length=1)
    broker: str = Field(min_length=1)
    analysts: list[str] = Field(default_factory=list)
    published: dt.date

    @field_validator("title", "broker", "analysts", mode="before")
    @classmethod
    def _no_todo(cls, value: Any) -> Any:
        return _reject_todo(value)

    @field_validator("published", mode="before")
    @classmethod
    def _date_not_datetime(cls, value: Any) -> Any:
        _reject_todo(value)
        if isinstance(value, dt.datetime):
            return value.date()
        return value

    @field_validator("published")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > china_today():
            raise ValueError("is in the future")
        return value


class Basket(_Strict):
    """A thematic basket: constituents recommended by one report on one theme."""

    id: str
    name: str = Field(min_length=1)
    report: Report
    benchmark: str = CSI300
    constituents: list[Constituent] = Field(min_length=1)

    @field_validator("name", mode="before")
    @classmethod
    def _name_no_todo(cls, value: Any) -> Any:
        return _reject_todo(value)

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("is not a slug (lower-case letters, digits and underscores)")
        return value

    @field_validator("benchmark", mode="before")
    @classmethod
    def _benchmark_is_code(cls, value: Any) -> Any:
        if not isinstance(value, str) or not is_index_code(value):
            raise ValueError(
                'is not a quoted index code: 6 digits ("000300", the CSI 300 price index) or '
                'H and 5 digits ("H00300", its total return)'
            )
        return value

    @model_validator(mode="after")
    def _constituent_rules(self) -> Basket:
        seen: dict[str, int] = {}
        for i, c in enumerate(self.constituents):
            if c.code in seen:
                raise _FieldError(
                    f"constituents[{i}].code",
                    c.code,
                    f"duplicates constituents[{seen[c.code]}].code",
                )
            seen[c.code] = i
        given = [c.weight is not None for c in self.constituents]
        if any(given) and not all(given):
            i = given.index(False)
            raise _FieldError(
                f"constituents[{i}].weight",
                None,
                "is missing: give weights for all constituents or for none (equal weights)",
            )
        if all(given):
            total = math.fsum(c.weight for c in self.constituents if c.weight is not None)
            if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
                raise _FieldError(
                    "constituents[*].weight", None, f"sum to {total:.10g}, not 1 (within 1e-6)"
                )
        return self

    @property
    def published(self) -> dt.date:
        """Publication date of the report."""
        return self.report.published

    @property
    def codes(self) -> list[str]:
        """Constituent codes, in file order."""
        return [c.code for c in self.constituents]

    @property
    def content_hash(self) -> str:
        """A short hash of everything the file says (two versions of a basket differ).

        Examples
        --------
        >>> b = load_basket("baskets/idc.yaml")
        >>> len(b.content_hash), b.content_hash == b.model_copy().content_hash
        (12, True)
        """
        import hashlib

        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]

    @property
    def weights(self) -> list[float]:
        """Constituent weights, explicit or equal, in file order."""
        n = len(self.constituents)
        return [c.weight if c.weight is not None else 1.0 / n for c in self.constituents]


class _FieldError(ValueError):
    """A cross-field rule failure that knows its own field path."""

    def __init__(self, field: str, value: Any, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(problem)


def _loc_to_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _first_error(source: str, exc: PydanticValidationError) -> BasketError:
    err = exc.errors()[0]
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _FieldError):
        shown = "" if ctx_error.value is None else f"{ctx_error.value!r} "
        return BasketError(source, ctx_error.field, f"{shown}{ctx_error.problem}")
    path = _loc_to_path(err["loc"])
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return BasketError(source, path, "is required")
    if kind == "extra_forbidden":
        return BasketError(source, path, f"is not a known field (value {_shown(value)})")
    if kind == "value_error" and isinstance(ctx_error, ValueError):
        return BasketError(source, path, f"{_shown(value)} {ctx_error}")
    message = err["msg"][0].lower() + err["msg"][1:]
    return BasketError(source, path, f"{_shown(value)}: {message}")


def _shown(value: Any) -> str:
    """Show a value as the user wrote it: dates in ISO form, text and numbers as ``repr``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def parse_basket(data: Any, source: str = "<basket>") -> Basket:
    """Validate a mapping (as read from YAML) into a :class:`Basket`.

    Parameters
    ----------
    data
        The parsed YAML document.
    source
        Label used in error messages, normally the file path.

    Raises
    ------
    BasketError
        Naming ``source``, the field path and the offending value.

    Examples
    --------
    >>> b = parse_basket({"id": "idc", "name": "IDC",
    ...     "report": {"title": "t", "broker": "b", "published": "2024-03-22"},
    ...     "constituents": [{"code": "300738", "name": "奥飞数据"}]})
    >>> b.codes, b.weights, b.benchmark
    (['300738'], [1.0], '000300')
    >>> parse_basket({"id": "idc", "name": "IDC",
    ...     "report": {"title": "t", "broker": "b", "published": "2024-03-22"},
    ...     "constituents": [{"code": "30073"}]}, "baskets/idc.yaml")
    Traceback (most recent call last):
    ...
    thematic.errors.BasketError: baskets/idc.yaml: constituents[0].code '30073' is not a 6-digit A-share code
    """
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise BasketError(source, "", f"the document is {kind}: expected id, name, report, ...")
    try:
        return Basket.model_validate(data)
    except PydanticValidationError as exc:
        raise _first_error(source, exc) from None


def load_basket(path: str | Path) -> Basket:
    """Read and validate one basket YAML file.

    The ``id`` inside the file must equal the file name without ``.yaml``.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BasketError(source, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise BasketError(source, "", f"is not UTF-8 text ({exc.reason})") from None
    try:
        data = read_yaml(text)
    except ValueError as exc:  # a duplicated key
        raise BasketError(source, "", str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BasketError(source, "", f"invalid YAML{where}: {problem}") from None
    basket = parse_basket(data, source)
    if basket.id != path.stem:
        raise BasketError(source, "id", f"{basket.id!r} must equal the file name {path.stem!r}")
    warn_on_names([(c.code, c.name) for c in basket.constituents], source)
    return basket


def basket_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and directories into the sorted list of basket files they name."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
            if not found:
                raise BasketError(p, "", "holds no *.yaml basket files")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise BasketError(p, "", "no such file or directory")
    return files


def load_baskets(paths: str | Path | Iterable[str | Path] = "baskets") -> list[Basket]:
    """Load every basket from files and/or directories, rejecting duplicate ids.

    Examples
    --------
    >>> [b.id for b in load_baskets("baskets")][:3]
    ['ai_applications', 'compute_infrastructure', 'idc']
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    baskets: list[Basket] = []
    origin: dict[str, Path] = {}
    errors: list[BasketError] = []
    for f in basket_files(paths):
        try:
            b = load_basket(f)
        except BasketError as exc:  # go on: every bad file is reported, not just the first
            errors.append(exc)
            continue
        if b.id in origin:
            errors.append(BasketError(f, "id", f"{b.id!r} is already defined in {origin[b.id]}"))
            continue
        origin[b.id] = f
        baskets.append(b)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BasketErrors(errors)
    return baskets


def needed_codes(baskets: Sequence[Basket]) -> tuple[list[str], list[str]]:
    """Return the distinct stock and index codes ``baskets`` need, in first-seen order."""
    from thematic.data.akshare_provider import TOTAL_RETURN_INDICES

    stocks = list(dict.fromkeys(c for b in baskets for c in b.codes))
    indices = list(dict.fromkeys(b.benchmark for b in baskets))
    # The total-return companion of a price benchmark (H00300 for 000300) comes along, so
    # that `--benchmark H00300` works after a refresh.
    companions = [tr for tr, price in TOTAL_RETURN_INDICES.items() if price in indices]
    return stocks, list(dict.fromkeys(indices + companions))


BasketsLike = str | Path | Basket | Iterable[str | Path | Basket]


def _flatten(baskets: BasketsLike) -> list[Basket]:
    if isinstance(baskets, Basket):
        return [baskets]
    if isinstance(baskets, (str, Path)):
        return load_baskets(baskets)
    out: list[Basket] = []
    for b in baskets:
        out.extend(_flatten(b))
    return out


def as_baskets(baskets: BasketsLike) -> list[Basket]:
    """Return the baskets given, loading any file or directory named among them.

    Raises
    ------
    UsageError
        When none is given (``thematic.evaluate([])``).
    """
    out = _flatten(baskets)
    if not out:
        raise UsageError(
            "baskets: none given (pass a basket, a basket file, a directory or a list of them)"
        )
    return out


def events_from_baskets(baskets: Sequence[Basket]) -> pd.DataFrame:
    """One row per constituent: ``event_id, published, code, weight`` (the engine's input).

    Examples
    --------
    >>> ev = events_from_baskets(load_baskets("baskets/idc.yaml"))
    >>> ev.to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'event_id': 'idc', 'published': Timestamp('2024-03-22 00:00:00'), 'code': '300738',
      'weight': 1.0}]
    """
    import pandas as pd

    rows = [
        (b.id, pd.Timestamp(b.published), c.code, w)
        for b in baskets
        for c, w in zip(b.constituents, b.weights, strict=True)
    ]
    return pd.DataFrame(rows, columns=["event_id", "published", "code", "weight"])
