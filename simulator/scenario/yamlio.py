"""Safe YAML reading that remembers where every key came from.

Documents are composed with PyYAML's SafeLoader (no Python tags) and turned into
plain dicts/lists by hand, so each key path gets a (file, line, column) mark that
error messages can point to. libyaml's parser composes them when PyYAML has it (bench.yaml:
0.85 ms against 4.8 ms); a document it rejects is parsed again
by the pure-Python parser, whose error messages are the ones users see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.errors import Problem, ScenarioError

KeyPath = tuple  # tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    file: str
    line: int  # 1-based; 0 when the value came from the command line
    col: int  # 1-based


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars: `1e3` is a float; only true/false are booleans
    (YAML 1.1 reads `no`, `off` and `y` as booleans, so a label `No` would fail)."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_FLOAT = re.compile(r"^[-+]?(?:\d[\d_]*)?(?:\.\d*)?[eE][-+]?\d+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))

if yaml.__with_libyaml__:

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser with _Loader's resolvers (resolving runs in Python)."""

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _LOADERS = (_FastLoader, _Loader)
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADERS = (_Loader,)


def format_path(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _mark(node: yaml.Node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node, loader, file, path, marks, key_marks, problems):
    marks[path] = _mark(node, file)
    if node.tag not in loader.yaml_constructors:  # e.g. !!python/object: never constructed
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        message = f"unsupported tag (got {tag}; expected plain YAML: numbers, text, lists, maps)"
        problems.append(_problem(_mark(node, file), path, message))
        return None
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(_problem(_mark(key_node, file), path, "a key must be a plain word"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                problems.append(_problem(_mark(key_node, file), path + (key,), "duplicate key"))
                continue
            key_marks[path + (key,)] = _mark(key_node, file)
            out[key] = _convert(value_node, loader, file, path + (key,), marks, key_marks, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(v, loader, file, path + (i,), marks, key_marks, problems)
            for i, v in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _problem(mark: Mark, path: KeyPath, message: str) -> Problem:
    return Problem(mark.file, mark.line, mark.col, format_path(path), message)


@dataclass
class Document:
    """A YAML document as plain data plus the marks of its key paths."""

    data: object
    marks: dict  # KeyPath -> Mark of the value
    key_marks: dict  # KeyPath -> Mark of the key

    def mark_for(self, path: KeyPath, key: bool = False) -> Mark | None:
        """The mark of `path`, or of its nearest ancestor that has one.

        The key's mark is used when asked for, and when the value is a block that
        starts on a later line (its first line is a child key, not the value).
        """
        for n in range(len(path), -1, -1):
            value, name = self.marks.get(tuple(path[:n])), self.key_marks.get(tuple(path[:n]))
            below = value and name and value.file == name.file and value.line > name.line
            found = (name or value) if key or below else value
            if found:
                return found
        return None


def parse_text(text: str, file: str) -> Document:
    """Parse one YAML document; raise ScenarioError with the position of any syntax error."""
    for loader_class in _LOADERS[:-1]:
        try:
            return _parse(text, file, loader_class)
        except (yaml.YAMLError, ScenarioError):
            pass  # reported by the last parser, with its messages
    return _parse(text, file, _LOADERS[-1])


def _parse(text: str, file: str, loader_class) -> Document:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document({}, {(): Mark(file, 1, 1)}, {})
        marks: dict = {}
        key_marks: dict = {}
        problems: list[Problem] = []
        data = _convert(node, loader, file, (), marks, key_marks, problems)
    except yaml.MarkedYAMLError as exc:
        if loader_class is not _Loader:
            raise
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = _syntax_message(exc)
        raise ScenarioError([Problem(file, line, col, "", f"malformed YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        if loader_class is not _Loader:
            raise
        raise ScenarioError([Problem(file, 0, 0, "", f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise ScenarioError(problems)
    return Document(data, marks, key_marks)


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's complaint, with the line of the construct it was reading when that differs."""
    what = exc.problem or exc.context or "malformed YAML"
    ctx, at = exc.context_mark, exc.problem_mark
    if exc.problem and exc.context and ctx and at and ctx.line != at.line:
        what += f" ({exc.context} that starts at line {ctx.line + 1})"
    if "<block" in what:
        what += "; check the indentation"
    return what


def read_file(path: Path) -> Document:
    """Read and parse a YAML file; a missing or unreadable file is a ScenarioError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), 0, 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), 0, 0, "", f"cannot read file ({exc})")]) from None
    return parse_text(text, str(path))
