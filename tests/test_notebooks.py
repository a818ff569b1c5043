"""The notebooks run top to bottom on the bundled snapshot, and are stored without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_promised_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOKS} == {"compare_baskets.ipynb", "evaluate_a_report.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean_and_runs(path: Path, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "stored with outputs"
    # The kernel is this interpreter's (ipykernel in the dev extras); errors fail the test.
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()  # fmt: skip
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]  # fmt: skip
    assert images, "no chart was drawn"
    if path.name == "evaluate_a_report.ipynb":
        assert "Bought at the first tradable close after 2024-02-18" in text
    else:
        assert "Over 250 sessions the best call was" in text
