"""What calibration reads and writes: the inputs `--fit` names (each a distribution in the
file: its prior), the observed series, and the calibrated scenario as an overlay."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml

from simulator.errors import Problem, ScenarioError
from simulator.experiments.tornado import uncertain_inputs
from simulator.scenario.compose import resolve
from simulator.scenario.distributions import Distribution
from simulator.scenario.types import month_label

DISCRETE = ("bernoulli", "choice")


def fitted_priors(path: Path, base, keys: list[str]) -> dict[str, Distribution]:
    """The prior of each input to fit, by key path; every key that is not a continuous
    distribution of the file (or is given twice) is one problem at its place in the file."""
    doc = resolve(path)
    inputs = uncertain_inputs(base)
    problems, priors = [], {}
    for key in keys:
        parts = tuple(key.split("."))
        mark = doc.mark_for(parts, key=True) or doc.marks[()]
        message = _refusal(key, parts, inputs, base.source, priors)
        if message:
            problems.append(Problem(mark.file, mark.line, mark.col, key, message))
        else:
            priors[key] = inputs[key]
    if not base.observed:
        mark = doc.marks[()]
        problems.append(
            Problem(
                mark.file,
                max(mark.line, 1),
                max(mark.col, 1),
                "observed",
                "nothing to fit to: the scenario has no `observed:` series (dated venture "
                "totals with their sd; docs/scenario-reference.md)",
            )
        )
    if problems:
        raise ScenarioError(problems)
    return priors


def _refusal(key: str, parts: tuple, inputs: dict, source: dict, seen: dict) -> str | None:
    if key in seen:
        return "--fit names this input twice"
    if key in inputs:
        kind = inputs[key].kind
        if kind in DISCRETE:
            return f"--fit needs a continuous prior here (got a {kind} distribution)"
        return None
    value = _lookup(source, parts)
    if value is _MISSING:
        known = ", ".join(inputs) or "none in this file"
        return f"--fit names no key of the scenario (uncertain inputs: {known})"
    return (
        f"--fit needs an uncertain input: a distribution here, its prior (got {value!r}, "
        "not uncertain); e.g. {dist: uniform, low: …, high: …} over the values it may take"
    )


_MISSING = object()


def _lookup(source, parts: tuple):
    node = source
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def observed_series(base) -> list[dict]:
    """The observed series as arrays: venture, variable, dates, values and sd per point."""
    only = next(iter(base.ventures))
    series = []
    for sid, o in base.observed.items():
        dates = [month_label(m) for m in o.points]
        series.append(
            {
                "id": sid,
                "label": o.label or sid,
                "venture": o.venture or only,
                "variable": o.variable,
                "dates": dates,
                "values": np.array(list(o.points.values()), dtype=float),
                "sd": np.full(len(dates), float(o.sd)),
            }
        )
    return series


def overlay_text(cal, directory: Path) -> str:
    """The calibrated scenario as a file written in `directory`: `extends:` the file
    calibrated (by a path relative to `directory`), each fitted input its posterior."""
    m = cal.manifest
    data = {
        "extends": os.path.relpath(cal.base_path, Path(directory).resolve()),
        "name": f"{m['scenario']}_calibrated",
    }
    if m.get("title"):
        data["title"] = f"{m['title']} (calibrated)"
    for key, dist in m["posterior"].items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = dist
    lines = [
        f"# Calibrated by `consim calibrate` ({m['created'][:10]}): fitted to the observed "
        f"series {', '.join(m['observed'])}",
        f"# by a synthetic likelihood (docs/model.md §13.4); seed {m['seed']}, "
        f"{m['stages_run']} stage(s) × {m['design']} points × {m['replications']} replications.",
        "# Each input is its posterior as a normal distribution clipped to its prior's range",
        "# (correlations between inputs are not kept):",
    ]
    for r in cal.fit.itertuples():
        lines.append(
            f"#   {r.input}: prior {r.prior} → mean {r.mean:.4g}, sd {r.sd:.3g} "
            f"(90 %: {r.p05:.4g}–{r.p95:.4g})"
        )
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return "\n".join(lines) + "\n" + text
