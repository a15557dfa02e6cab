"""Every notebook under notebooks/ runs from top to bottom without an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture
def kernel_manager(tmp_path) -> KernelManager:
    """A `python3` kernel running this interpreter (the venv's), headless.

    The kernelspec lives in a temporary folder that is the only one searched, so a
    `python3` kernelspec of the user or the system (pointing at another Python) cannot
    shadow it, and nothing is installed anywhere."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (consim tests)",
        "language": "python",
        "env": {"MPLBACKEND": "Agg"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def test_there_is_a_notebook():
    assert PATHS, f"no notebook in {NOTEBOOKS}"


# What each notebook must compute, found in its cells' outputs after a run on a fresh
# kernel: printed lines (exact figures where the scenario fixes them) and how many figures.
EXPECTED = {
    "01_quickstart.ipynb": (
        [
            "committed at the end: 225.0 M€",
            "difference: +60.0 M€ (95 % CI +60.0 to +60.0)",
            "recorded: ['name=\"state_covers\"', 'partners.state.pledge=195']",
            "partners.stat: no partner 'stat' (did you mean 'state'?",
        ],
        1,
    ),
    "02_what_ifs.ipynb": (
        [
            "Atos joining recovers +",
            "Dassault Systèmes leaves: 60.0 M€ cancelled",
            "with success 0.9: committed ",
        ],
        0,
    ),
    "03_sweeps.ipynb": (
        [
            "P(collapse) depends most on partners.state.pledge",
            "runs are cases of interest (collapsed)",
            "report.html ",
        ],
        3,
    ),
    "04_decisions.ipynb": (
        [
            "the State must pledge 195 M€: 60 more than its 135",
            "Atos must pledge ",
            "French State",
        ],
        3,
    ),
}


def executed(path: Path, kernel_manager: KernelManager):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=kernel_manager,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    assert client.km.kernel_spec.argv[0] == sys.executable
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


# the sweeps' and the decisions' notebooks (~15 s, ~10 s) run in the slow suite (`make
# test-slow`), the others here
SLOW = ("sweep", "decisions")
CASES = [
    pytest.param(p, marks=pytest.mark.slow) if any(w in p.name for w in SLOW) else p for p in PATHS
]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in PATHS])
def test_notebook_computes_what_it_says(path, kernel_manager):
    outputs = executed(path, kernel_manager)
    assert not [o for o in outputs if o.output_type == "error"]
    texts = [o.get("text", "") for o in outputs if o.output_type == "stream"]
    texts += [o.get("data", {}).get("text/plain", "") for o in outputs if "data" in o]
    said = "\n".join(texts)
    lines, figures = EXPECTED[path.name]
    for line in lines:
        assert line in said, f"{path.name}: no output says {line!r}"
    # a figure a public plot function returns shows as a PNG in a fresh kernel, no magic
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) >= figures
    assert "%matplotlib" not in path.read_text(encoding="utf-8")
    # a finished progress bar leaves one line, not a bar frozen at 0 %
    assert not any("0%|" in t for t in texts)
    if path.name == "04_decisions.ipynb":  # the mean reaches 270 with a pledge of ~76
        pledge = float(said.split("Atos must pledge ")[1].split(" M€")[0])
        assert 70 < pledge < 82
    if path.name == "02_what_ifs.ipynb":
        recovered = float(said.split("Atos joining recovers ")[1].split(" M€")[0])
        assert 15 < recovered < 30  # of the 60 M€ lost: P(joins) 0.6 × a pledge of ~40


def test_every_notebook_has_its_checks():
    assert sorted(EXPECTED) == [p.name for p in PATHS]


def test_notebooks_are_stored_without_outputs():
    for path in PATHS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
