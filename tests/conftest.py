from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# A mutation run (tests/helpers.UNDER_MUTATION): a mutant's verdict must not depend on the draw.
if os.environ.get("THEMATIC_MUTATION") == "1":
    settings.register_profile("mutation", derandomize=True, database=None)
    settings.load_profile("mutation")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-network", action="store_true", help="run tests that reach akshare's servers"
    )


#: Tests a mutation run leaves out.  End-to-end tests of a second or more: every surviving
#: mutant runs each test covering it, and these check wiring (refresh, terminal text) that the
#: unit tests of the engine and the statistics cover number by number.  (A test of the line a
#: warning names skips itself there: mutmut's trampolines add a frame to every call.)
LEFT_OUT_OF_MUTATION = {
    "tests/test_hostile.py::test_report_placebo_without_universe_says_so_on_the_terminal",
    "tests/test_seams.py::test_evaluate_refreshes_first_and_falls_back_with_a_warning",
    "tests/test_seams.py::test_draft_messages_name_the_callers_options",
    "tests/test_stats.py::test_drawdown_counts_a_fall_on_the_first_session",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("THEMATIC_MUTATION") == "1":
        kept = [item for item in items if item.nodeid not in LEFT_OUT_OF_MUTATION]
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in LEFT_OUT_OF_MUTATION])
        items[:] = kept
    if config.getoption("--run-network"):
        return
    skip = pytest.mark.skip(reason="needs the network; opt in with --run-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test reaches the internet: real connections fail loudly (HTTP mocked with
    # `responses` never opens a socket). Loopback stays allowed; live tests opt in.
    if "network" in request.keywords:
        return
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost")):
            return real_connect(self, address)  # type: ignore[arg-type]
        raise ConnectionRefusedError(f"network access in a test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Doctests and CLI tests use the relative path "baskets"; the cache never leaks out.
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path / "cache"))
