"""Sweep files: a base scenario, the parameters to vary by key path, a design, what to keep.

Loaded like scenarios (safe YAML with marks, pydantic, every problem as
FILE:LINE:COL: key.path: message), then each design point is checked by
validating the base scenario with the point's values set (see sweep.py).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Discriminator, Field, Tag

from simulator.errors import Problem, ScenarioError
from simulator.scenario.load import validate_model
from simulator.scenario.types import Strict, Whole
from simulator.scenario.yamlio import Document, format_path, parse_text, read_file

OUTCOMES = (
    "pledged_final",
    "committed_final",
    "paid_in_final",
    "outstanding_final",
    "cancelled_final",
    "members_final",
    "collapsed",
    "dissolved",
    "ended",
    "committed_at_reference",
    "capital_to_market",
)
TRAJECTORY_VARIABLES = ("pledged", "committed", "paid_in", "cancelled")
# Kept only when asked for, and only for a base scenario with a spending plan (model.md §9.5).
SPENDING_OUTCOMES = ("spent_final", "cash_final", "cash_out")
SPENDING_VARIABLES = ("spent", "cash")

# Size limits, checked from the spec before anything is expanded (docs/sweeps.md §7).
# Every design point's scenario is validated, compiled and held in memory during the sweep
# (tens of KiB a point for the reference scenario, docs/sweeps.md §7): 100,000 points take
# gigabytes and a minute before the first replication; a million would not fit in the
# memory of a workstation. No flag lifts it.
MAX_POINTS = 100_000
# The task plan is held in memory too (~340 B a task of 500 replications, and as much again
# for the bookkeeping of points): 10^9 runs make 2 million tasks, ~1.5 GB, 8 s to plan.
MAX_RUNS = 10**9
# Past this, a sweep takes hours and tens of GB of parts on disk (docs/sweeps.md §7): most
# likely a typo, so it runs only when asked for (--allow-large; allow_large=True).
LARGE_RUNS = 10**8


class Range(Strict):
    """A continuous range: sampled by lhs/sobol/morris, `steps` evenly spaced points on a grid."""

    low: float
    high: float
    steps: Whole | None = Field(default=None, ge=2)
    integer: bool = False


class Values(Strict):
    """An explicit list of values (numbers, dates, text); sampling designs pick one uniformly."""

    values: list[float | int | str | bool] = Field(min_length=1)


def _parameter_kind(data) -> str:
    """The union's tag, from raw data when validating, from the model when serializing."""
    listed = isinstance(data, Values) or (isinstance(data, dict) and "values" in data)
    return "values" if listed else "range"


# A tagged union: errors come from the one form the entry is written in, not from both.
Parameter = Annotated[
    Annotated[Range, Tag("range")] | Annotated[Values, Tag("values")],
    Discriminator(_parameter_kind),
]


class Design(Strict):
    """How design points are chosen (SALib for the sampling designs)."""

    type: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Whole | None = Field(default=None, ge=1)
    levels: Whole = Field(default=4, ge=2)
    second_order: bool = False


class Keep(Strict):
    """Which outcome columns and which venture-total trajectories (as quantiles) to keep."""

    outcomes: list[Literal[OUTCOMES + SPENDING_OUTCOMES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(OUTCOMES)
    )
    trajectories: list[Literal[TRAJECTORY_VARIABLES + SPENDING_VARIABLES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["committed", "paid_in"]
    )


class Sweep(Strict):
    """A sweep file."""

    name: str | None = None
    title: str | None = None
    description: str | None = None
    scenario: str
    parameters: dict[str, Parameter] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replications: Whole = Field(default=100, ge=1)
    seed: Whole = Field(default=0, ge=0)
    keep: Keep = Field(default_factory=Keep)


def load_sweep(
    source: str | Path | dict, allow_large: bool = False
) -> tuple[Sweep, Document, Path]:
    """Read and validate a sweep file, or a mapping written in Python (its `scenario`
    then relative to the working folder); returns the spec, the Document (its marks serve
    later errors) and the path relative paths are resolved against. Its size is checked
    against the limits (`allow_large` lifts the one on runs) before anything is expanded."""
    if isinstance(source, dict):
        path = Path.cwd() / "sweep.yaml"
        doc = parse_text(yaml.safe_dump(source, sort_keys=False, allow_unicode=True), "<sweep>")
    else:
        path = Path(source)
        doc = read_file(path)
    if not isinstance(doc.data, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "", "expected a mapping of keys")])
    data = dict(doc.data)
    data.setdefault("name", path.stem)
    sweep = validate_model(Document(data, doc.marks, doc.key_marks), Sweep)
    problems = _check(sweep, doc, path)
    if not problems:  # the size needs a well-formed design (steps, samples)
        problems = _check_size(sweep, doc, allow_large)
    if problems:
        raise ScenarioError(problems)
    return sweep, doc, path


def _check(sweep: Sweep, doc: Document, path: Path) -> list[Problem]:
    def at(keys: tuple, message: str) -> Problem:
        return _problem(doc, keys, message)

    problems = []
    if not base_path(sweep, path).is_file():
        problems.append(at(("scenario",), f"base scenario not found (got {sweep.scenario!r})"))
    for key, p in sweep.parameters.items():
        if not all(key.split(".")):
            problems.append(at(("parameters", key), f"empty key in path (got {key!r})"))
        if isinstance(p, Range) and p.low > p.high:
            problems.append(
                at(
                    ("parameters", key, "low"),
                    f"low must not exceed high (got low {p.low:g} > high {p.high:g})",
                )
            )
        if sweep.design.type == "grid" and isinstance(p, Range) and p.steps is None:
            problems.append(
                at(
                    ("parameters", key),
                    "a range on a grid needs `steps` (expected a whole number ≥ 2)",
                )
            )
    kind, samples = sweep.design.type, sweep.design.samples
    if kind != "grid" and samples is None:
        problems.append(
            at(("design",), f"a {kind} design needs `samples` (expected a whole number ≥ 1)")
        )
    if kind == "grid" and samples is not None:
        problems.append(
            at(("design", "samples"), "a grid takes no `samples` (set `steps` per range)")
        )
    if kind == "sobol" and samples is not None and samples & (samples - 1):
        problems.append(
            at(("design", "samples"), f"a sobol design needs a power of 2 (got {samples})")
        )
    if kind in ("sobol", "morris") and len(sweep.parameters) < 2:
        problems.append(at(("parameters",), f"a {kind} design needs at least 2 parameters"))
    if not sweep.keep.outcomes:
        problems.append(
            at(("keep", "outcomes"), "must not be empty (expected at least one outcome)")
        )
    return problems


def design_size(sweep: Sweep) -> int:
    """How many design points the design expands to, counted without expanding it (the
    sizes of SALib's samples: Saltelli N·(D+2), or N·(2D+2) with second order; Morris
    N·(D+1))."""
    d, n, dims = sweep.design, sweep.design.samples or 0, len(sweep.parameters)
    if d.type == "grid":
        return math.prod(
            (p.steps or 0) if isinstance(p, Range) else len(p.values)
            for p in sweep.parameters.values()
        )
    if d.type == "lhs":
        return n
    if d.type == "sobol":
        return n * (2 * dims + 2 if d.second_order else dims + 2)
    return n * (dims + 1)


def _check_size(sweep: Sweep, doc: Document, allow_large: bool) -> list[Problem]:
    """Refuse a design too large to expand, and, unless allowed, a sweep of more runs than
    anyone is likely to mean; reported at the key that makes it so."""
    points = design_size(sweep)
    runs = points * sweep.replications
    design_key = ("parameters",) if sweep.design.type == "grid" else ("design", "samples")
    if points > MAX_POINTS:
        return [
            _problem(
                doc,
                design_key,
                f"the design has {_count(points)} points, more than "
                f"can be held in memory (expected at most {MAX_POINTS:,})",
            )
        ]
    runs_key = ("replications",) if "replications" in doc.data else design_key
    if runs > MAX_RUNS:
        return [
            _problem(
                doc,
                runs_key,
                f"{_count(runs)} runs in all (points × replications) "
                f"exceed the limit of {_count(MAX_RUNS)}, which no option lifts: "
                "the task plan would not fit in memory",
            )
        ]
    if runs > LARGE_RUNS and not allow_large:
        return [
            _problem(
                doc,
                runs_key,
                f"{_count(runs)} runs in all (points × replications) "
                f"exceed the limit of {_count(LARGE_RUNS)}; pass --allow-large "
                "(allow_large=True from Python) to run it anyway",
            )
        ]
    return []


def _problem(doc: Document, keys: tuple, message: str) -> Problem:
    mark = doc.mark_for(keys, key=True) or doc.marks[()]
    return Problem(mark.file, mark.line, mark.col, format_path(keys), message)


def _count(n: int) -> str:
    """1,000,000 and below in full; past that in powers of ten (1.0e+15), readable at once."""
    if n <= 10**6:
        return f"{n:,}"
    if n == 10 ** round(math.log10(n)):
        return f"10^{round(math.log10(n))}"
    return f"{n:.1e}"


def base_path(sweep: Sweep, sweep_file: Path) -> Path:
    return (Path(sweep_file).parent / sweep.scenario).resolve()


def sweep_hash(sweep: Sweep, base_hash: str) -> str:
    """Identity of a sweep's results: its spec and its base scenario's content."""
    text = json.dumps([sweep.model_dump(mode="json"), base_hash], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
