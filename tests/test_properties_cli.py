"""Invariants of the command line under generated hostile options (hypothesis).

Whatever the options: the exit code is 0, 1 or 2; a failure is one ``error:`` line and
never a traceback or an internal error; no file other than the declared outputs is created
or changed (a failure creates nothing).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from thematic.cli import main

IDC = ROOT / "baskets" / "idc.yaml"

_words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
_FIXED = ["", "0", "-0", "1e308", "inf", "-inf", "nan", "max", "1,1", ",", "5,max", "20", "1", "3"]
_numbers = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(_FIXED),
    _words,
)
_VALUES = {
    "--horizons": _numbers,
    "--max-delay": _numbers,
    "--notional": _numbers,
    "--commission-bps": _numbers,
    "--slippage-bps": _numbers,
    "--untradable": st.sampled_from(["delay", "skip", "ignore", "wait"]),
    "--entry": st.sampled_from(["next_open", "next_close", "open"]),
}
# Where an output may be pointed: fine, an unknown suffix, an input, a directory, under a file.
_TARGETS = ["out.csv", "out.json", "out.xlsx", "idc.yaml", "calls.csv", "adir", "afile/x.csv"]


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """A command with hostile options; also the outputs it declares (relative names)."""
    command = draw(st.sampled_from(["evaluate", "evaluate-events"]))
    argv = (["evaluate", "--offline", "{w}/idc.yaml"] if command == "evaluate"
            else ["evaluate-events", "{w}/calls.csv"])  # fmt: skip
    for option in draw(st.lists(st.sampled_from(sorted(_VALUES)), max_size=3, unique=True)):
        argv += [option, draw(_VALUES[option])]
    if "--horizons" not in argv:
        argv += ["--horizons", "20"]  # (fast when all is well)
    outputs = []
    for option in ("--output", "--metadata") if command == "evaluate" else ("--output",):
        if draw(st.booleans()):
            target = draw(st.sampled_from(_TARGETS))
            argv += [option, "{w}/" + target]
            outputs.append(target)
    return argv, outputs


def _state(w: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(w)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(w.rglob("*")) if "cache" not in p.parts}  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=command_lines())
def test_any_options_give_0_1_or_2_one_line_and_touch_only_declared_outputs(
    case: tuple[list[str], list[str]],
) -> None:
    argv, outputs = case
    with tempfile.TemporaryDirectory() as tmp:
        w = Path(tmp)
        (w / "idc.yaml").write_bytes(IDC.read_bytes())
        (w / "calls.csv").write_text("event_id,published,code\nc1,2024-03-22,300738\n", "utf-8")
        (w / "adir").mkdir()
        (w / "afile").write_text("keep me", "utf-8")
        before = _state(w)
        args = [a.replace("{w}", tmp) for a in argv]
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse's own errors
                code = int(exc.code or 0)
        err = stderr.getvalue()
        assert code in (0, 1, 2), (args, err)
        assert "Traceback" not in err and "internal error" not in err, (args, err)
        after = _state(w)
        if code != 0:
            assert len([x for x in err.splitlines() if x.startswith("error:")]) == 1, (args, err)
            assert after == before, args  # nothing written on a failure
        else:
            changed = {k for k in after if after[k] != before.get(k)} | (before.keys() - after)
            assert changed <= set(outputs), (args, changed)
