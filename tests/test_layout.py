"""The stages of the package import only from earlier stages (the "layout" of docs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulator

ROOT = Path(simulator.__file__).parent

# The scenario stage (YAML → validated Scenario) comes first: nothing after it.
LATER_THAN_SCENARIO = (
    "simulator.engine",
    "simulator.experiments",
    "simulator.analysis",
    "simulator.plots",
    "simulator.results",
    "simulator.cli",
)


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a file under the package folder `root`."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, at any depth (inside functions too);
    relative imports are resolved against the file's package, and `from a import b` gives
    a.b (b may be a module; a.b lies within a either way)."""
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def is_within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "scenario").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_scenario_stage_imports_no_later_stage(path):
    bad = [
        f"{path.relative_to(ROOT.parent)}:{line}: imports {name}"
        for line, name in imported_modules(path)
        if is_within(name, LATER_THAN_SCENARIO)
    ]
    assert not bad, "the scenario stage imports a later stage:\n" + "\n".join(bad)


def test_imported_modules_sees_every_form(tmp_path):
    pkg = tmp_path / "simulator" / "scenario"
    pkg.mkdir(parents=True)
    src = pkg / "probe.py"
    src.write_text(
        "import simulator.engine.ledger\n"
        "from simulator import plots\n"
        "from ..analysis.market import market_series\n"
        "def f():\n"
        "    from simulator.cli import main\n"
        "    import simulator.results as r\n",
        encoding="utf-8",
    )
    names = {name for _, name in imported_modules(src, tmp_path / "simulator")}
    for module in (
        "simulator.engine.ledger",
        "simulator.plots",
        "simulator.analysis.market",
        "simulator.cli",
        "simulator.results",
    ):
        assert any(is_within(name, (module,)) for name in names), module
    assert all(is_within(n, LATER_THAN_SCENARIO) for n in names)
