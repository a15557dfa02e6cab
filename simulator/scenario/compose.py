"""Build one resolved document from a file: follow `extends:`, then apply `--add`/`--set`."""

from __future__ import annotations

import copy
import difflib
from dataclasses import replace
from pathlib import Path

from simulator.errors import Problem, ScenarioError
from simulator.scenario.keypaths import names_new_entry
from simulator.scenario.yamlio import Document, Mark, format_path, parse_text, read_file


def _merge(base: Document, child: Document) -> Document:
    """Deep-merge `child` onto `base`: mappings merge, a null removes a key, the rest replaces.

    A mapping whose `type` differs from the base's (a schedule, a policy) replaces it
    whole: the keys of the old type do not apply to the new one.
    """
    data = copy.deepcopy(base.data) if isinstance(base.data, dict) else {}
    marks, key_marks = dict(base.marks), dict(base.key_marks)

    def merge_into(target: dict, update: dict, path: tuple) -> None:
        for key, value in update.items():
            sub = path + (key,)
            if value is None:
                target.pop(key, None)
            elif isinstance(value, dict) and _same_type(target.get(key), value):
                merge_into(target[key], value, sub)
            else:
                target[key] = copy.deepcopy(value)
                _drop_marks(sub, marks, key_marks)
            _copy_marks(child, sub, marks, key_marks)

    merge_into(data, child.data, ())
    return Document(data, marks, key_marks)


def _same_type(old, new: dict) -> bool:
    """Whether `new` merges into `old`: both mappings, and no change of a `type:` or `dist:`
    tag (a schedule or distribution of another kind replaces the base's, parameters and all)."""
    if not isinstance(old, dict):
        return False
    for tag_key in ("type", "dist"):
        tag = new.get(tag_key)
        if isinstance(tag, str) and tag != old.get(tag_key):
            return False
    return True


def _drop_marks(prefix: tuple, marks: dict, key_marks: dict) -> None:
    for table in (marks, key_marks):
        for path in [p for p in table if p[: len(prefix)] == prefix]:
            del table[path]


def _copy_marks(src: Document, prefix: tuple, marks: dict, key_marks: dict) -> None:
    n = len(prefix)
    for table, out in ((src.marks, marks), (src.key_marks, key_marks)):
        for path, mark in table.items():
            if path[:n] == prefix:
                out[path] = mark


def resolve(path: Path, _chain: tuple = ()) -> Document:
    """Read `path` and everything it extends, base first.

    `_chain` holds (file, mark of its `extends`) for the files that led here, so a
    cycle is reported at the `extends:` line of the first file in it.
    """
    path = Path(path)
    return _with_bases(read_file(path), path, _chain)


def resolve_text(text: str, path: Path) -> Document:
    """YAML text as if it were the file `path` (its `extends:` relative to path's folder)."""
    return _with_bases(parse_text(text, path.name), path, ())


def _with_bases(doc: Document, path: Path, _chain: tuple) -> Document:
    key = path.resolve()
    if not isinstance(doc.data, dict):
        mark = doc.marks[()]
        message = (
            f"a scenario must be a mapping of keys (got {_kind(doc.data)}; "
            "expected key: value lines, e.g. start: 2012-01)"
        )
        raise ScenarioError([Problem(mark.file, mark.line, mark.col, "", message)])
    base_name = doc.data.pop("extends", None)
    if base_name is None:
        return doc
    mark = doc.marks[("extends",)]
    if not isinstance(base_name, str):
        raise ScenarioError(
            [_at(mark, "extends", f"not a file name (got {base_name!r}; expected a path)")]
        )
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise ScenarioError(
            [
                _at(
                    mark,
                    "extends",
                    f"base file not found (got {base_name!r}; looked for {base_path})",
                )
            ]
        )
    chain = (*_chain, (key, mark))
    seen = [file for file, _ in chain]
    if base_path.resolve() in seen:
        i = seen.index(base_path.resolve())
        cycle = " → ".join(p.name for p in (*seen[i:], seen[i]))
        raise ScenarioError([_at(chain[i][1], "extends", f"extends cycle ({cycle})")])
    try:
        base = resolve(base_path, chain)
    except ScenarioError as exc:
        raise ScenarioError(_pulled_in(exc.problems, base_path, mark)) from None
    return _merge(base, doc)


def _kind(data) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "text"
    return "a number" if isinstance(data, (int, float)) else repr(data)


def _pulled_in(problems: list[Problem], base_path: Path, mark: Mark) -> list[Problem]:
    """The problems of a base file also say which `extends:` line pulled it in: the base
    may be a file the user never meant to name (a PNG, a CSV, a list)."""
    note = f" (extended from {mark.file}:{mark.line})"
    return [
        replace(p, message=p.message + note) if p.file == str(base_path) else p for p in problems
    ]


def _at(mark: Mark, path: str, message: str) -> Problem:
    return Problem(mark.file, mark.line, mark.col, path, message)


def parse_override(text: str, flag: str = "--set") -> tuple[tuple, object]:
    """`partners.state.pledge=150` → (('partners', 'state', 'pledge'), 150); value read as YAML."""
    where = f"{flag} {text}"
    if "=" not in text:
        raise ScenarioError(
            [Problem(where, 0, 0, "", "expected PATH=VALUE, e.g. partners.state.pledge=150")]
        )
    key, raw = text.split("=", 1)
    parts = tuple(p for p in key.strip().split("."))
    if not all(parts):
        raise ScenarioError([Problem(where, 0, 0, "", f"empty key in path {key!r}")])
    if not raw.strip():
        return parts, None
    try:  # read as a file is: the same scalars and limits
        return parts, parse_text(raw, where).data
    except ScenarioError as exc:
        message = f"value is not valid YAML ({exc.problems[0].message})"
        raise ScenarioError([Problem(where, 0, 0, key, message)]) from None


def apply_override(doc: Document, text: str, add: bool = False) -> None:
    """Apply one `--set PATH=VALUE` in place (null removes the key), or `--add PATH=VALUE`.

    --set changes what the file has, including a field it leaves out (the schema then
    decides), but never makes a new partner, venture, … (a typo would add one silently);
    --add makes a new key, and refuses one that exists.
    """
    flag = "--add" if add else "--set"
    path, value = parse_override(text, flag)
    apply_change(doc, path, value, f"{flag} {text}", add)


def apply_change(doc: Document, path: tuple, value, where: str, add: bool = False) -> None:
    """Set (or with `add`, add) one key path in place, with --set's and --add's rules;
    problems are reported at `where` (the flag and its text, or the code that asked)."""
    if add and value is None:
        raise ScenarioError([Problem(where, 0, 0, format_path(path), "nothing to add (got null)")])
    wrong = _entry_problem(doc.data, path, add)
    if wrong is not None:
        raise ScenarioError([Problem(where, 0, 0, format_path(wrong[0]), wrong[1])])
    set_path(doc, path, value, Mark(where, 0, 0))


def _entry_problem(data, path: tuple, add: bool) -> tuple[tuple, str] | None:
    """(key path, message) when `path` names an entry that is missing on the way (or at the
    end, for --set), or a key that exists at the end (for --add); else None."""
    node = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        child = _child(node, part)
        if child is not None:
            if last and add:
                return path, f"already exists (got {_show(child)}; use --set to change it)"
            node = child
            continue
        if not isinstance(node, dict):
            return None  # inside a plain value: set_path says so
        if names_new_entry(path[: i + 1]) and not (last and add):
            return path[: i + 1], _no_entry(path, i, node, add)
        node = {}  # a field the file leaves out: what follows is new too
    return None


def _child(node, part: str):
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


# What an entry of each id-keyed mapping is called in messages.
_ENTRY_NAMES = {
    "ventures": "venture",
    "partners": "partner",
    "candidates": "candidate",
    "policies": "policy",
    "contagion": "contagion rule",
    "benchmarks": "benchmark",
    "points": "point",
    "payments": "payment",
    "pledges": "pledge to",
    "into": "child venture",
}


def _no_entry(path: tuple, i: int, node: dict, add: bool) -> str:
    part, known = path[i], [str(k) for k in node]
    what = _ENTRY_NAMES.get(str(path[i - 1]) if i else "", "entry")
    near = difflib.get_close_matches(part, known, n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    listed = f"expected one of: {', '.join(known)}" if known else "there are none"
    fix = (
        f"--add makes only the last key of its path: --add {format_path(path[: i + 1])}=..."
        if add
        else "use --add to add one"
    )
    return f"no {what} {part!r} ({hint}{listed}; {fix})"


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def set_path(doc: Document, path: tuple, value, mark: Mark) -> None:
    """Set `path` to `value` in place (null removes it); problems are reported at `mark`."""

    def fail(upto: tuple):
        problem = Problem(
            mark.file, mark.line, mark.col, format_path(upto), "cannot set a key inside a value"
        )
        raise ScenarioError([problem])

    node = doc.data
    for i, part in enumerate(path[:-1]):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            fail(path[: i + 1])
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
    last = path[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    elif isinstance(node, dict):
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    else:
        fail(path)
    stale = [p for p in doc.marks if p[: len(path)] == path]
    for p in stale:
        doc.marks.pop(p, None)
        doc.key_marks.pop(p, None)
    doc.marks[path] = mark
    doc.key_marks[path] = mark
