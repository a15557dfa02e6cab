"""Design points: the base scenario with each point's values set at their key paths,
validated like a scenario file (a bad value is reported at the sweep file's line) and
compiled once for the whole sweep."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path

import pandas as pd

from simulator.engine.compile import compile_scenario
from simulator.errors import Problem, ScenarioError
from simulator.experiments.design import expand
from simulator.experiments.spec import SPENDING_OUTCOMES, SPENDING_VARIABLES, Sweep, base_path
from simulator.experiments.tasks import Point
from simulator.results.tables import Context
from simulator.scenario.compose import resolve, set_path
from simulator.scenario.keypaths import names_new_entry
from simulator.scenario.load import scenario_hash, validate_document
from simulator.scenario.yamlio import Document


class PointContext(Context):
    """A Context that also remembers what the sweep's manifest needs from the scenario."""

    def __init__(self, scenario, model, shared: dict):
        super().__init__(scenario, model, shared)
        self.scenario_name = scenario.name
        self.unit = scenario.unit
        self.base_hash = scenario_hash(scenario)
        ref = self.reference
        self.market_reference = None if ref is None else f"{self.dates[ref]:%Y-%m-%d}"
        self.labels = {
            "partners": {k: m.label or k for k, m in scenario.members().items()},
            "ventures": {k: v.label or k for k, v in scenario.ventures.items()},
        }
        self.warnings = [str(w) for w in scenario.warnings]


def point_warnings(points: dict) -> list[str]:
    """The warnings of the design points' scenarios, each once (most are the base's)."""
    return list(dict.fromkeys(w for point in points.values() for w in point.context.warnings))


def design_points(spec: Sweep, sweep_file: Path, doc: Document) -> tuple[pd.DataFrame, dict]:
    """The design table and, per point, its compiled scenario; every point is validated."""
    base, base_file = base_document(spec, sweep_file)
    _check_paths(spec, base, base_file, doc)
    design = design_table(spec)
    points, reference, shared = {}, None, {}
    names = list(design.columns[1:])
    for row in design.itertuples(index=False):
        values = dict(zip(names, row[1:], strict=True))
        scenario = point_scenario(base, base_file, doc, values, row.point)
        model = compile_scenario(scenario)
        shape = (model.start, model.horizon, model.venture_ids)
        reference = reference or shape
        if shape != reference:
            mark = doc.mark_for(("parameters",), key=True)
            raise ScenarioError(
                [
                    Problem(
                        mark.file,
                        mark.line,
                        mark.col,
                        "parameters",
                        "a sweep may not change the horizon or the ventures (start, end, "
                        f"ventures) between design points [design point {row.point}]",
                    )
                ]
            )
        _check_spending(spec, model, doc, row.point)
        context = PointContext(scenario, model, shared)
        points[row.point] = Point(context, values, f"{context.base_hash}:{row.point}")
    return design, points


def design_table(spec: Sweep) -> pd.DataFrame:
    """The design's points (design.expand), a column of mixed values read as text."""
    design = expand(spec)
    for column in design.columns[1:]:
        if design[column].dtype == object:  # mixed lists of values: keep one type per column
            design[column] = design[column].astype(str)
    return design


def point_scenario(base: Document, base_file: Path, doc: Document, values: dict, point: int):
    """The base scenario with one design point's values, validated; an error names the
    point and its values."""
    data = copy_along(base.data, [tuple(key.split(".")) for key in values])
    point_doc = Document(data, dict(base.marks), dict(base.key_marks))
    for key, value in values.items():
        mark = doc.mark_for(("parameters", key), key=True)
        set_path(point_doc, tuple(key.split(".")), _plain(value), mark)
    try:
        return validate_document(point_doc, default_name=base_file.stem)
    except ScenarioError as exc:
        where = ", ".join(f"{k}={_plain(v)}" for k, v in values.items())
        note = f" [design point {point}: {where}]"
        raise ScenarioError(
            [Problem(p.file, p.line, p.col, p.path, p.message + note) for p in exc.problems]
        ) from None


def base_document(spec: Sweep, sweep_file: Path) -> tuple[Document, Path]:
    """The sweep's base scenario, its `extends` resolved, named after its file by default."""
    base_file = base_path(spec, sweep_file)
    base = resolve(base_file)
    base.data.setdefault("name", base_file.stem)
    return base, base_file


def copy_along(data: dict, paths: list[tuple]) -> dict:
    """A copy of `data` for one design point: the containers on `paths` (which set_path
    changes in place) are copied, everything else is shared with the base, which nothing
    changes: a deep copy per point dominated the preparation of many-point sweeps."""
    root = copy.copy(data)
    for path in paths:
        node = root
        for part in path[:-1]:
            if isinstance(node, dict) and isinstance(node.get(part), dict | list):
                node[part] = node = copy.copy(node[part])
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node[int(part)] = node = copy.copy(node[int(part)])
            else:
                break  # set_path creates (or refuses) what follows
    return root


def _check_spending(spec: Sweep, model, doc: Document, point: int) -> None:
    """Spending outcomes and trajectories exist only for a scenario with a spending plan."""
    if any(v.calls is not None for v in model.ventures):
        return
    for field, names in (("outcomes", SPENDING_OUTCOMES), ("trajectories", SPENDING_VARIABLES)):
        asked = [n for n in getattr(spec.keep, field) if n in names]
        if asked:
            mark = doc.mark_for(("keep", field), key=True)
            raise ScenarioError(
                [
                    Problem(
                        mark.file,
                        mark.line,
                        mark.col,
                        f"keep.{field}",
                        f"{', '.join(asked)} need a venture with a spending plan "
                        f"(ventures.<id>.spending), and the scenario of design point "
                        f"{point} has none",
                    )
                ]
            )


def _check_paths(spec: Sweep, base: Document, base_file: Path, doc: Document) -> None:
    """A parameter may set a field that the base leaves out (the scenario schema then says
    whether it is allowed), but not name a partner, venture, … that the base lacks, at any
    level, the last included: a typo there would silently add a new member (as for --set)."""
    problems = []
    for key in spec.parameters:
        node, parts = base.data, tuple(key.split("."))
        for i, part in enumerate(parts):
            if isinstance(node, dict) and part in node:
                node = node[part]
                continue
            if not names_new_entry(parts[: i + 1]):
                break  # a field the base leaves out: set_path creates it
            where = ".".join(parts[:i])
            known = [str(k) for k in node] if isinstance(node, dict) else []
            near = difflib.get_close_matches(part, known, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            allowed = ", ".join(known) or "none"
            message = (
                f"unknown key path: no {part!r} in {where} of {base_file.name} "
                f"({hint}expected one of: {allowed})"
            )
            mark = doc.mark_for(("parameters", key), key=True)
            problems.append(Problem(mark.file, mark.line, mark.col, f"parameters.{key}", message))
            break
    if problems:
        raise ScenarioError(problems)


def _plain(value):
    """numpy scalars → Python numbers, so the scenario validator sees what YAML would give."""
    return value.item() if hasattr(value, "item") else value
