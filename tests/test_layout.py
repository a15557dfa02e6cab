"""The layout: each folder of simulator/ is one stage of the data's way, and a module imports
only its own stage or earlier ones (docs/architecture.md). The one way back up is the
ResultSet's methods, which import analyses and plots lazily, as pandas offers `.plot`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
# Stages in the order the data flows; the faces (cli, the package's __init__ and __main__)
# come last, and nothing imports them.
STAGES = ("errors", "scenario", "engine", "results", "analysis", "plots", "experiments", "reports")
FACES = ("cli", "__init__", "__main__")
LAZY_OK = ("results/resultset.py", "ResultSet")  # whose methods may import lazily


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def stage_of(dotted: str) -> int:
    """The rank of a module `simulator.x.y` (faces rank after every stage)."""
    parts = dotted.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head in STAGES:
        return STAGES.index(head)
    if head in FACES:
        return len(STAGES)
    raise AssertionError(f"{dotted}: in no stage; add its folder to STAGES or move it")


def dotted_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts)


def imports(tree: ast.AST):
    """(imported module, line, enclosing class or None, inside a function) for every import."""

    def walk(node, cls, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, cls, in_function
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                yield child.module, child.lineno, cls, in_function
            inner = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            name = child.name if isinstance(child, ast.ClassDef) else cls
            yield from walk(child, name, in_function or inner)

    yield from walk(tree, None, False)


def back_arrows(path: Path) -> list[str]:
    dotted = dotted_of(path)
    own = stage_of(dotted)
    rel = str(path.relative_to(PACKAGE))
    found = []
    for target, line, cls, in_function in imports(ast.parse(path.read_text(encoding="utf-8"))):
        if not target.startswith("simulator.") and target != "simulator":
            continue
        if stage_of(target) <= own or (dotted.split(".")[1] in FACES):
            continue
        if in_function and (rel, cls) == LAZY_OK and stage_of(target) < len(STAGES):
            continue
        found.append(f"{rel}:{line}: {dotted} imports {target}")
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_stage_or_earlier_ones(path: Path):
    assert back_arrows(path) == []


def test_the_rule_sees_a_back_arrow(tmp_path: Path):
    """The walker finds imports at every depth, and the lazy exception is the ResultSet's."""
    tree = ast.parse(
        "import simulator.plots.runs\n"
        "def f():\n    from simulator.experiments.run import run\n"
        "class ResultSet:\n    def g(self):\n        from simulator.plots.runs import x\n"
    )
    found = [(t, cls, fn) for t, _, cls, fn in imports(tree)]
    assert found == [
        ("simulator.plots.runs", None, False),
        ("simulator.experiments.run", None, True),
        ("simulator.plots.runs", "ResultSet", True),
    ]
    assert stage_of("simulator.engine.model") < stage_of("simulator.results.tables")
    assert stage_of("simulator.cli") == len(STAGES)


def private_names(tree: ast.AST) -> set[str]:
    """Names starting with one underscore that a module defines: functions, classes, module
    variables and attributes it assigns on `self`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_no_private_name_is_used_across_modules():
    """A module uses another's private names neither by import nor as an attribute of an
    object from it (`rep._event`): what others use is public, with a docstring. Private names
    of the standard library's objects are not consim's, hence not counted."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in modules()}
    defined = {path: private_names(tree) for path, tree in trees.items()}
    crossing = []
    for path, tree in trees.items():
        others = set().union(*(names for p, names in defined.items() if p != path))
        outside = {  # modules not consim's (`os._exit` is the standard library's)
            (a.asname or a.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for a in node.names
            if not a.name.startswith("simulator")
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulator"):
                used = [a.name for a in node.names if a.name in others]
            elif (
                isinstance(node, ast.Attribute)
                and node.attr in others - defined[path]
                and not (isinstance(node.value, ast.Name) and node.value.id in outside)
            ):
                used = [node.attr]
            else:
                continue
            crossing += [f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}" for name in used]
    assert crossing == []


MUTATORS = {"append", "extend", "pop", "setdefault", "update", "add", "discard", "clear"}


def hub_writes(tree: ast.AST) -> list[int]:
    """Lines that assign to the replication hub's state (`rep.x = …`, `rep.x[i] = …`,
    `self.rep.x[i] += …`) or change one of its containers in place (`rep.x.append(…)`)
    instead of calling one of its methods."""

    def on_hub(target) -> bool:
        while isinstance(target, ast.Subscript):
            target = target.value
        if not isinstance(target, ast.Attribute):
            return False
        owner = target.value
        return (isinstance(owner, ast.Name) and owner.id == "rep") or (
            isinstance(owner, ast.Attribute) and owner.attr == "rep"
        )

    lines = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
        ):
            targets = [node.func.value]
        lines += [node.lineno for t in targets if on_hub(t)]
    return lines


@pytest.mark.parametrize(
    "path",
    [p for p in (PACKAGE / "engine").glob("*.py") if p.name != "replication.py"],
    ids=lambda p: p.name,
)
def test_a_mechanism_changes_the_hub_only_through_its_methods(path: Path):
    assert hub_writes(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_hub_writes_are_seen():
    tree = ast.parse(
        "rep.join[0, 1] = 2\nself.rep.collapse[v] = 3\nrep.total += 1\nx = rep.join\n"
        "rep.changed.setdefault(p, e)\nrep.ledger.pledge(v, p)\nrep.events[0].append(1)\n"
    )
    assert hub_writes(tree) == [1, 2, 3, 5, 7]


MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path: Path):
    """A module a reader can hold in mind, functions that do one thing: past these sizes,
    cut by what the parts hold (docs/architecture.md)."""
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
