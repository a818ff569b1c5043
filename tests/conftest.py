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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
