"""Scenario files → validated Scenario, every problem reported as FILE:LINE:COL: key.path: …"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import typing
from pathlib import Path

import pydantic
from pydantic import BaseModel, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.scenario.checks import check, check_warnings
from simulator.scenario.compose import apply_change, apply_override, resolve, resolve_text
from simulator.scenario.keypaths import allowed_keys, find_type, union_tags
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlio import Document, Mark, format_path, scalar_hint


def load_scenario(
    source: str | Path | dict,
    overrides: typing.Sequence[str] = (),
    additions: typing.Sequence[str] = (),
) -> Scenario:
    """Read a scenario file (following `extends:`), YAML text (a string of several lines)
    or a mapping written in Python (their `extends:` relative to the working folder); apply
    `--add` additions then `--set` overrides (so an override may change what was just
    added); validate it with the same checks and messages as a file.

    >>> from simulator import load_scenario
    >>> load_scenario("scenarios/andromede_plan.yaml")
    <Scenario 'andromede_plan': 2011-10 to 2016-12, 4 partner(s), 1 venture(s)>
    >>> load_scenario({"start": "2020-01", "end": "2020-12", "ventures": {"v": {}},
    ...                "partners": {"a": {"pledge": 10}}}).name
    'scenario'
    """
    if isinstance(source, dict) or (isinstance(source, str) and "\n" in source):
        text = source if isinstance(source, str) else _yaml_text(source)
        where = "<dict>" if isinstance(source, dict) else "<text>"
        doc = resolve_text(text, Path.cwd() / where)
        for text in additions:
            apply_override(doc, text, add=True)
        for text in overrides:
            apply_override(doc, text)
        return validate_document(doc, default_name="scenario")
    path = Path(source)
    doc = resolve(path)
    name_mark = doc.marks.get(("name",))
    if name_mark is not None and name_mark.file != str(path):
        # A what-if without a name of its own is named after its file, not its base
        # (else its results would land in, and replace, the base's folder).
        doc.data.pop("name", None)
    for text in additions:
        apply_override(doc, text, add=True)
    for text in overrides:
        apply_override(doc, text)
    return validate_document(doc, default_name=path.stem)


def _yaml_text(data: dict) -> str:
    import yaml

    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("<dict>", 0, 0, "", f"not plain data ({exc})")]) from None


def with_changes(scenario: Scenario, changes: dict, add: dict | None = None) -> Scenario:
    """The scenario with key paths changed (`add`: new keys, as --add), validated again with
    the file's checks and messages; the variant records its changes (the manifest keeps
    them), the original is left as it was."""
    doc = Document(copy.deepcopy(scenario.source), {(): Mark("with_changes", 0, 0)}, {})
    said = list(scenario.changes)
    for flag, entries in (("add", add or {}), ("set", changes or {})):
        for key, value in entries.items():
            value = _plain(value)
            try:
                apply_change(doc, _key_path(key), value, f"with_changes {key}", flag == "add")
            except ScenarioError as exc:  # say it in the terms of the code, not of the flags
                raise ScenarioError([_in_code(p) for p in exc.problems]) from None
            said.append(f"{'+' if flag == 'add' else ''}{key}={json.dumps(value, default=str)}")
    variant = validate_document(doc, default_name=scenario.name or "scenario")
    variant.record_origin(variant.source, scenario.files)
    variant.record_changes(said)
    return variant


def _in_code(problem: Problem) -> Problem:
    message = problem.message.replace("use --add to add one", "add one with add={...}")
    message = message.replace("use --set to change it", "change it, not add it")
    return Problem(problem.file, problem.line, problem.col, problem.path, message)


def _key_path(key) -> tuple:
    parts = tuple(key) if isinstance(key, tuple) else tuple(str(key).split("."))
    if not parts or not all(parts):
        raise ScenarioError([Problem("with_changes", 0, 0, "", f"empty key in path {key!r}")])
    return parts


def _plain(value):
    """numpy scalars and tuples as the plain values a YAML file would hold."""
    if hasattr(value, "item") and not isinstance(value, dict | list):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def validate_document(doc: Document, default_name: str = "scenario") -> Scenario:
    data = dict(doc.data)
    data.setdefault("name", default_name)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_problem_from_pydantic(doc, e) for e in exc.errors()]) from None
    files = sorted({m.file for m in doc.marks.values() if m.line})  # not --set/--add
    scenario.record_origin(data, files)
    issues = check(scenario)
    if issues:
        raise ScenarioError([_problem(doc, path, msg) for path, msg in issues])
    warned = check_warnings(scenario)
    scenario.record_warnings(sorted(_problem(doc, p, msg, severity="warning") for p, msg in warned))
    return scenario


def scenario_hash(scenario: Scenario) -> str:
    """Content hash of the resolved scenario: same inputs, same hash."""
    text = json.dumps(scenario.source, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _problem(
    doc: Document, path: tuple, message: str, key: bool = False, severity: str = "error"
) -> Problem:
    mark = doc.mark_for(path, key=key) or doc.marks.get(())
    return Problem(mark.file, mark.line, mark.col, format_path(path), message, severity)


def _data_path(data, loc: tuple) -> tuple:
    """Map a pydantic error location onto the key path in the data.

    Pydantic inserts union tags and markers (`tranches`, `[key]`,
    `function-after[...]`) that are not keys of the file; walk the data and keep
    only the elements that are.
    """
    path, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
            path.append(str(part))
        elif (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif (
            i == len(loc) - 1
            and isinstance(node, dict)
            and isinstance(part, str)
            and not part.startswith(("[", "function"))
        ):
            path.append(part)  # a missing or unknown key: the last element names it
    return tuple(path)


def validate_model(doc: Document, model: type[BaseModel]) -> BaseModel:
    """Validate a document against any of our pydantic models, with file:line errors."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError([_problem_from_pydantic(doc, e, model) for e in exc.errors()]) from None


def _problem_from_pydantic(doc: Document, err: dict, model: type = Scenario) -> Problem:
    path = _data_path(doc.data, err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, err["loc"][:-1])
        near = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        msg = f"unknown key ({hint}expected one of: {', '.join(allowed)})"
        return _problem(doc, path, msg, key=True)
    if kind == "missing":
        return _problem(doc, path, "required key is missing", key=True)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ", ".join(repr(t) for t in union_tags(find_type(model, err["loc"])))
        if kind == "union_tag_invalid" and isinstance(err.get("input"), dict):
            path += ("type",)
        return _problem(doc, path, _message(err, tags))
    return _problem(doc, path, _message(err))


def _message(err: dict, tags: str = "") -> str:
    kind, given = err["type"], err.get("input")
    if kind in ("quantity_type", "quantity_range", "month", "identifier", "distribution"):
        return err["msg"]
    got = _show(given)
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return f"unknown type (got {tag!r}; expected one of: {tags})"
    if kind == "union_tag_not_found":
        return f"missing 'type' (expected one of: {tags})"
    if kind == "literal_error":
        return f"not allowed (got {got}; expected {err['ctx']['expected']})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys (got {got})"
    if kind == "too_short":
        return "must not be empty (expected at least one entry)"
    expected = _EXPECTED.get(kind)
    if expected:
        label = "out of range" if kind.startswith(("greater", "less")) else "wrong type"
        return f"{label} (got {got}; expected {expected(err)}{scalar_hint(given)})"
    return f"{err['msg']} (got {got})"


_EXPECTED = {
    "greater_than_equal": lambda e: f"≥ {e['ctx']['ge']}",
    "greater_than": lambda e: f"> {e['ctx']['gt']}",
    "less_than_equal": lambda e: f"≤ {e['ctx']['le']}",
    "less_than": lambda e: f"< {e['ctx']['lt']}",
    "int_type": lambda e: "a whole number",
    "int_parsing": lambda e: "a whole number",
    "int_from_float": lambda e: "a whole number",
    "float_type": lambda e: "a number",
    "float_parsing": lambda e: "a number",
    "bool_type": lambda e: "true or false",
    "bool_parsing": lambda e: "true or false",
    "string_type": lambda e: "text",
}


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["load_scenario", "validate_document", "scenario_hash", "pydantic"]
