"""What a new user trips over, family by family, through the real CLI in a subprocess.

Each case asserts the exit code, the one line on stderr that matters, no traceback, and that
no file was left behind or changed.  The subprocess cannot reach the network: a
sitecustomize makes every non-loopback name lookup fail, as on a machine with no DNS.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import thematic as package_under_test
from tests.conftest import ROOT

#: The directory that holds the ``thematic`` package this test process imported.
PACKAGE_ROOT = Path(package_under_test.__file__).resolve().parents[1]

NO_DNS = """
import socket
_real = socket.getaddrinfo
def _no_dns(host, *args, **kwargs):
    if host in ("localhost", "127.0.0.1", "::1"):
        return _real(host, *args, **kwargs)
    raise socket.gaierror(-2, "Name or service not known")
socket.getaddrinfo = _no_dns
"""

BASKET = """id: {id}
name: 测试
report: {{title: t, broker: b, published: {published}}}
constituents:
{rows}
"""


def basket(path: Path, published: str, *rows: tuple[str, str]) -> Path:
    lines = "\n".join(f'  - {{code: "{c}", name: {n}}}' for c, n in rows)
    path.write_text(BASKET.format(id=path.stem, published=published, rows=lines), "utf-8")
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str
    lines: list[str] = field(default_factory=list)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_DNS, "utf-8")
    (tmp_path / "w").mkdir()
    return tmp_path


def subprocess_env(work: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    # The no-DNS sitecustomize first, then the copy of thematic under test, then whatever the
    # caller had: replacing PYTHONPATH could let the subprocess import another copy.
    path = [str(work / "site"), str(PACKAGE_ROOT), base.get("PYTHONPATH", "")]
    env = {**base, "PYTHONPATH": os.pathsep.join(p for p in path if p), "NO_COLOR": "1",
           "THEMATIC_CACHE_DIR": str(work / "w" / "cache")}  # fmt: skip
    env.pop("THEMATIC_DEBUG", None)
    return env


def thematic(work: Path, *args: str) -> Run:
    env = subprocess_env(work)
    p = subprocess.run(
        [sys.executable, "-m", "thematic", *args],
        cwd=work / "w", env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in p.stderr, p.stderr
    return Run(p.returncode, p.stdout, p.stderr, p.stderr.splitlines())


def snapshot_of(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and "cache" not in p.parts
    }


def test_subprocess_imports_the_package_under_test(work: Path, tmp_path: Path) -> None:
    # Another copy of thematic first on the caller's PYTHONPATH must not win.
    decoy = tmp_path / "decoy" / "thematic"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('the decoy copy')\n", "utf-8")
    env = subprocess_env(work, {**os.environ, "PYTHONPATH": str(decoy.parent)})
    p = subprocess.run([sys.executable, "-c", "import thematic; print(thematic.__file__)"],
                       env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert Path(p.stdout.strip()).resolve() == Path(package_under_test.__file__).resolve()
    assert env["PYTHONPATH"].endswith(str(decoy.parent))  # kept, after the package under test


BASKETS = str(ROOT / "baskets")
IDC = str(ROOT / "baskets" / "idc.yaml")

# -- bad output targets: exit 2, one line naming the path, nothing written ---------------------
BAD_OUTPUTS = [
    (["evaluate", "--offline", IDC, "--output", "adir"], r"--output: adir is a directory"),
    (["evaluate", "--offline", IDC, "--format", "csv", "--output", "adir"],
     r"--output: adir is a directory"),
    (["evaluate", "--offline", IDC, "--metadata", "adir"], r"--metadata: adir is a directory"),
    (["evaluate", "--offline", IDC, "--output", "afile/r.csv"],
     r"--output: afile/r.csv: afile is a file, not a directory"),
    (["evaluate", "--offline", IDC, "--history", "afile"],
     r"--history: afile is a file, not a directory"),
    (["evaluate", "--offline", IDC, "--output", "r.xlsx"],
     r"--output: r.xlsx: unknown suffix '.xlsx'; known: .csv, .json, .txt"),
    (["evaluate-events", "calls.csv", "--output", "adir"], r"--output: adir is a directory"),
    (["evaluate-events", "calls.csv", "--output", "x.xlsx"],
     r"--output: x.xlsx: unknown suffix '.xlsx'; known: .csv, .json, .parquet, .pq, .txt"),
    (["evaluate-events", "calls.csv", "--output", "afile/x.csv"], r"afile is a file"),
    (["draft", str(ROOT / "tests" / "golden" / "make_golden.py"), "--output-dir", "afile"],
     r"--output-dir: afile is a file, not a directory"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD_OUTPUTS)
def test_bad_output_targets(work: Path, args: list[str], message: str) -> None:
    w = work / "w"
    (w / "adir").mkdir()
    (w / "afile").write_text("keep me", "utf-8")
    (w / "calls.csv").write_text("event_id,published,code\nc,2024-03-22,300308\n", "utf-8")
    before = snapshot_of(w)
    r = thematic(work, *args)
    assert r.code == 2
    assert len(r.lines) == 1 and re.search(message, r.lines[0]), r.err
    assert r.lines[0].startswith("error: ")
    assert snapshot_of(w) == before  # nothing half-written, nothing changed
    assert not list((w / "adir").iterdir())


# -- files others can read --------------------------------------------------------------------
def test_written_files_follow_the_umask(work: Path) -> None:
    r = thematic(work, "evaluate", "--offline", IDC, "--horizons", "20", "--output", "r.json",
                 "--metadata", "m.json")  # fmt: skip
    assert r.code == 0, r.err
    for name in ("r.json", "m.json"):
        mode = stat.S_IMODE((work / "w" / name).stat().st_mode)
        umask = os.umask(0)
        os.umask(umask)
        assert mode == 0o666 & ~umask, oct(mode)
    # The format followed the suffix: JSON records, not the text table.
    rows = json.loads((work / "w" / "r.json").read_text("utf-8"))
    assert rows[0]["basket"] == "idc" and rows[0]["horizon"] == 20


# -- labels that say what was really used -----------------------------------------------------
def test_header_names_the_sources_actually_used(work: Path) -> None:
    r = thematic(work, "evaluate", "--offline", IDC, "--horizons", "20")
    assert r.code == 0
    assert (
        "benchmark: 000300 (price index); data: snapshot 2 / cache 0 series, as of 2025-08-22"
        in r.out
    )


LABELS = [
    # (basket rows, published, exit code, a line that must be on stderr)
    ([("600519", "贵州茅台")], "2024-03-22", 1,
     r"^error: no constituent of b has a price on its entry day; nothing to measure \(1 of 1 codes "
     r"have no price data here \(600519\): get them with `thematic refresh`"),
    ([("300308", "中际旭创")], "2015-03-02", 1,
     r"^warning: b: 300308 中际旭创 excluded \(published before the data starts \(2019-01-02\)\)$"),
    ([("300308", "中际旭创")], "2030-01-01", 2,
     r"^error: .*b\.yaml: report\.published 2030-01-01 is in the future$"),
    ([("300308", "贵州茅台")], "2024-03-22", 0,
     r"^warning: .*b\.yaml: constituents\[0\]\.name '贵州茅台' does not match code '300308', "
     r"which the shipped stock table names '中际旭创'$"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "published", "code", "line"), LABELS)
def test_true_reasons_and_exit_codes(
    work: Path, rows: list[tuple[str, str]], published: str, code: int, line: str
) -> None:
    path = basket(work / "w" / "b.yaml", published, *rows)
    r = thematic(work, "evaluate", "--offline", str(path), "--horizons", "20")
    assert r.code == code, r.err
    assert any(re.search(line, x) for x in r.lines), r.err
    assert "weights renormalised" not in r.err  # nothing was priced, or nothing excluded
    assert "datetime.date" not in r.err


def test_every_bad_basket_file_is_reported(work: Path) -> None:
    d = work / "w" / "bad"
    d.mkdir()
    basket(d / "a.yaml", "2030-01-01", ("300308", "中际旭创"))
    basket(d / "b.yaml", "2024-03-22", ("30030", "x"))
    basket(d / "c.yaml", "2024-03-22", ("300308", "中际旭创"))
    for command in ("evaluate", "list", "refresh"):
        r = thematic(work, command, *(["--offline"] if command != "list" else []), str(d))
        assert r.code == 2
        assert [x.split(": ")[1] for x in r.lines] == [str(d / "a.yaml"), str(d / "b.yaml")]


# -- one strictness for every input: events get the basket rules ----------------------------
EVENTS = [
    ("event_id,published,code,weight\na,2024-03-22,300308,0.5\na,2024-03-22,300308,0.5\n",
     r"calls\.csv: row 3: code '300308' duplicates row 2 in event 'a'"),
    ("event_id,published,code,weight\na,2024-03-22,300308,0.5\na,2024-03-22,300502,0.4\n",
     r"calls\.csv: row 2: weights of event 'a' sum to 0\.9, not 1 \(within 1e-6\)"),
    ("event_id,published,code\na,2024-03-22,999999\n",
     r"calls\.csv: row 2: code '999999' is not a Shanghai, Shenzhen or Beijing A-share code"),
    ("event_id,published,code\na,2024-03-22,30030\n",
     r"calls\.csv: row 2: code '30030' is not a 6-digit A-share code"),
    ("event_id,published,code,weight\na,2024-03-22,300308,1\na,2024-03-22,300502,\n",
     r"calls\.csv: row 3: weight is missing in event 'a'"),
    ("event_id,published,code\na,2024-03-22,300308\na,2024-03-25,300502\n",
     r"calls\.csv: row 3: event 'a' has more than one published date"),
    ("event_id,published,code\na,someday,300308\n",
     r"calls\.csv: row 2: published 'someday' is not a date"),
    ("event_id,published,code\n", r"calls\.csv: has no rows"),
    ("event_id,published\na,2024-03-22\n", r"calls\.csv: missing column\(s\) \['code'\]"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), EVENTS)
def test_events_obey_the_basket_rules(work: Path, text: str, message: str) -> None:
    (work / "w" / "calls.csv").write_text(text, "utf-8")
    r = thematic(work, "evaluate-events", "calls.csv", "--horizons", "20", "--output", "o.csv")
    assert r.code == 2
    assert len(r.lines) == 1 and re.search(message, r.lines[0]), r.err
    assert not (work / "w" / "o.csv").exists()


def test_events_outside_the_data_are_named_once(work: Path) -> None:
    (work / "w" / "calls.csv").write_text(
        "event_id,published,code\na,2024-03-22,600519\nb,2024-03-22,300308\n", "utf-8"
    )
    r = thematic(work, "evaluate-events", "calls.csv", "--horizons", "20")
    assert r.code == 0
    said = [x for x in r.lines if "no price data here" in x]
    assert said == [
        "warning: 1 of 2 codes have no price data here (600519): get them with `thematic "
        "refresh` (network) or price from a full dump with `--market DIR`"
    ]


# -- quiet when the network is down ------------------------------------------------------------
def test_refresh_without_network_says_it_once(work: Path) -> None:
    r = thematic(work, "refresh", IDC)
    assert r.code == 1
    errors = [x for x in r.lines if x.startswith("error:")]
    assert errors == [
        "error: network unreachable: 3 of 3 series skipped, the cache "
        f"({work / 'w' / 'cache'}) is unchanged for them; check the connection and run again "
        "(`thematic evaluate --offline` works from the cache and the bundled snapshot)"
    ]
    assert len(r.lines) == 2  # that line and the summary; no line per series, no stutter


def test_evaluate_without_network_falls_back_in_one_line(work: Path) -> None:
    r = thematic(work, "evaluate", IDC, "--horizons", "20", "--format", "csv")
    assert r.code == 0
    assert r.lines[0] == (
        "warning: network unavailable: evaluating from the cache, then the bundled snapshot"
    )
    assert r.out.startswith("basket,published,entry_rule")


def test_show_and_list_on_a_good_dir(work: Path) -> None:
    r = thematic(work, "show", "idc", BASKETS)
    assert r.code == 0 and "300738" in r.out and "奥飞数据" in r.out
    r = thematic(work, "list", BASKETS)
    assert r.code == 0 and len(r.out.splitlines()) == 7
    r = thematic(work, "show", "nope", BASKETS)
    assert r.code == 2 and r.lines == [
        "error: no basket 'nope'; known: ai_applications, compute_infrastructure, idc, "
        "multimodal_models, optical_communications, telecom_carriers, thermal_management"
    ]


def test_evaluate_events_help_documents_every_option(work: Path) -> None:
    r = thematic(work, "evaluate-events", "--help")
    for option in ("--entry", "--horizons", "--market", "--format", "--output"):
        assert option in r.out
    assert "event id" in r.out and "default" in r.out


def test_stats_placebo_without_a_universe_refuses_in_one_line(work: Path) -> None:
    r = thematic(work, "stats", IDC, "--placebo", "100")
    assert r.code == 2
    assert len(r.lines) == 1 and r.lines[0].startswith("error: placebo: only ")
    assert "pass --market DIR" in r.lines[0]


def test_library_messages_name_the_callers_parameter(tmp_path: Path) -> None:
    # In Python a message names the function's parameter; the command line passes its flag.
    from thematic.data.st import load_st_table
    from thematic.engine.distributed import connect
    from thematic.errors import UsageError
    from thematic.history import check_directory, read

    bad = tmp_path / "st.csv"
    bad.write_text("code,start\n600000,2021-01-04\n", encoding="utf-8")
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    cases = [
        (lambda: load_st_table(bad), "st_table: "),
        (lambda: load_st_table(bad, "--st-table"), "--st-table: "),
        (lambda: check_directory(afile), "directory: "),
        (lambda: check_directory(afile, "--history"), "--history: "),
        (lambda: read(afile), "directory: "),
        (lambda: read(afile, params=("--history", "--horizon")), "--history: "),
        (lambda: connect(workers=0), "workers: 0 must be at least 1"),
        (lambda: connect(0, None, ("--dask-workers", "--dask-scheduler")), "--dask-workers: 0"),
        (lambda: connect(), "give one of workers N or scheduler ADDRESS"),
    ]
    for call, start in cases:
        with pytest.raises(UsageError) as info:
            call()
        assert str(info.value).startswith(start), (start, str(info.value))
