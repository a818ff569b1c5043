from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from thematic.baskets import load_basket, load_baskets, parse_basket
from thematic.errors import BasketError

GOOD = """\
id: idc
name: IDC
report:
  title: 人工智能行业应用如火如荼
  broker: 中国银河证券
  analysts: [赵良毕]
  published: 2024-03-22
constituents:
  - {code: "300738", name: 奥飞数据}
"""


def write(tmp_path: Path, text: str, name: str = "idc.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def doc(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": "idc",
        "name": "IDC",
        "report": {"title": "t", "broker": "b", "analysts": ["a"], "published": "2024-03-22"},
        "constituents": [{"code": "300738", "name": "奥飞数据"}],
    }
    d.update(over)
    return d


def message(data: Any) -> str:
    with pytest.raises(BasketError) as info:
        parse_basket(data, "baskets/idc.yaml")
    return str(info.value)


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    b = load_basket(write(tmp_path, GOOD))
    assert b.id == "idc"
    assert b.benchmark == "000300"
    assert b.published == dt.date(2024, 3, 22)
    assert b.codes == ["300738"] and b.weights == [1.0]
    assert b.report.analysts == ["赵良毕"]


def test_shipped_baskets_are_the_seven_from_the_reports() -> None:
    baskets = {b.id: b for b in load_baskets("baskets")}
    assert sorted(baskets) == [
        "ai_applications", "compute_infrastructure", "idc", "multimodal_models",
        "optical_communications", "telecom_carriers", "thermal_management",
    ]  # fmt: skip
    assert baskets["optical_communications"].codes == [
        "300308", "300502", "300394", "002281", "000988"
    ]  # fmt: skip
    assert baskets["compute_infrastructure"].codes == [
        "601138", "603019", "301236", "000034", "872808", "300442", "002261"
    ]  # fmt: skip
    assert baskets["ai_applications"].codes == [
        "300624", "688111", "300634", "300229", "300253", "688246"
    ]  # fmt: skip
    assert baskets["telecom_carriers"].codes == ["600941", "601728", "600050"]
    assert baskets["multimodal_models"].codes == ["002230", "002415", "002236"]
    assert baskets["idc"].codes == ["300738"]
    assert baskets["thermal_management"].codes == ["002837"]
    assert {str(b.published) for b in baskets.values()} == {"2024-03-22", "2024-02-18"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("30073", "constituents[0].code '30073' is not a 6-digit A-share code"),
        ("30073X", "constituents[0].code '30073X' is not a 6-digit A-share code"),
        ("900901", "constituents[0].code '900901' is not a Shanghai, Shenzhen or Beijing A-share"),
        (300738, "constituents[0].code 300738 must be a quoted string"),
    ],
)
def test_code_rules(code: Any, expected: str) -> None:
    msg = message(doc(constituents=[{"code": code}]))
    assert msg.startswith("baskets/idc.yaml: ")
    assert expected in msg


def test_beijing_codes_are_a_shares() -> None:
    for code in ("872808", "920002", "430047"):
        assert parse_basket(doc(constituents=[{"code": code}])).codes == [code]


def test_unquoted_octal_looking_code_is_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads 000034 as the octal number 28: a silent corruption if accepted.
    p = write(tmp_path, GOOD.replace('"300738"', "000034"))
    with pytest.raises(BasketError, match=r"constituents\[0\]\.code 28 must be a quoted string"):
        load_basket(p)


def test_weights_all_or_none() -> None:
    msg = message(doc(constituents=[{"code": "300308", "weight": 1.0}, {"code": "300502"}]))
    assert msg == (
        "baskets/idc.yaml: constituents[1].weight is missing: give weights for all "
        "constituents or for none (equal weights)"
    )


@pytest.mark.parametrize("w", [0, -0.5, float("nan"), float("inf")])
def test_weights_positive(w: float) -> None:
    msg = message(doc(constituents=[{"code": "300308", "weight": w}]))
    assert "constituents[0].weight" in msg and "must be a positive number" in msg


def test_weights_sum_to_one() -> None:
    cons = [{"code": "300308", "weight": 0.5}, {"code": "300502", "weight": 0.4}]
    assert message(doc(constituents=cons)) == (
        "baskets/idc.yaml: constituents[*].weight sum to 0.9, not 1 (within 1e-6)"
    )
    cons[1]["weight"] = 0.5 + 5e-7
    assert parse_basket(doc(constituents=cons)).weights == [0.5, 0.5 + 5e-7]


def test_explicit_weights_are_kept() -> None:
    cons = [{"code": "300308", "weight": 0.7}, {"code": "300502", "weight": 0.3}]
    assert parse_basket(doc(constituents=cons)).weights == [0.7, 0.3]


def test_duplicate_codes() -> None:
    cons = [{"code": "300308"}, {"code": "300502"}, {"code": "300308"}]
    assert message(doc(constituents=cons)) == (
        "baskets/idc.yaml: constituents[2].code '300308' duplicates constituents[0].code"
    )


def test_published_not_in_future() -> None:
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    msg = message(doc(report={"title": "t", "broker": "b", "published": future}))
    assert msg == f"baskets/idc.yaml: report.published '{future}' is in the future"


def test_published_must_be_a_date() -> None:
    msg = message(doc(report={"title": "t", "broker": "b", "published": "22/03/2024"}))
    assert msg.startswith("baskets/idc.yaml: report.published '22/03/2024': ")


def test_missing_and_unknown_fields() -> None:
    d = doc()
    del d["name"]
    assert message(d) == "baskets/idc.yaml: name is required"
    assert message(doc(constituents=[{"code": "300738", "wieght": 1}])) == (
        "baskets/idc.yaml: constituents[0].wieght is not a known field (value 1)"
    )
    assert "constituents" in message(doc(constituents=[]))


def test_id_is_a_slug_and_matches_file(tmp_path: Path) -> None:
    assert "id 'Optical Comms' is not a slug" in message(doc(id="Optical Comms"))
    p = write(tmp_path, GOOD, name="other.yaml")
    with pytest.raises(BasketError) as info:
        load_basket(p)
    assert str(info.value) == f"{p}: id 'idc' must equal the file name 'other'"


def test_benchmark_must_be_quoted_code() -> None:
    assert "benchmark 300 is not a quoted index code" in message(doc(benchmark=300))


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    p = write(tmp_path, "id: idc\nname: [unclosed\nreport: {}\n")
    with pytest.raises(BasketError, match=r"idc\.yaml: invalid YAML at line \d+, column \d+"):
        load_basket(p)


def test_empty_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(BasketError, match="the document is empty"):
        load_basket(write(tmp_path, ""))
    with pytest.raises(BasketError, match="the document is a list, not a mapping"):
        load_basket(write(tmp_path, "- 1\n- 2\n"))


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "idc.yaml"
    p.write_bytes(GOOD.encode("gbk"))
    with pytest.raises(BasketError, match="is not UTF-8 text"):
        load_basket(p)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write(a, GOOD)
    write(b, GOOD)
    with pytest.raises(BasketError, match="id 'idc' is already defined in"):
        load_baskets([a, b])


def test_missing_path_and_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(BasketError, match="no such file or directory"):
        load_baskets(tmp_path / "nope")
    with pytest.raises(BasketError, match=r"holds no \*\.yaml basket files"):
        load_baskets(tmp_path)
