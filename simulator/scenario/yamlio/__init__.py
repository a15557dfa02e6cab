"""Safe YAML reading that remembers where every key came from.

Documents are composed with PyYAML's SafeLoader (no Python tags) and turned into
plain dicts/lists by hand, so each key path gets a (file, line, column) mark that
error messages can point to. libyaml's parser composes them when PyYAML has it (several
times faster); a document it rejects is parsed again by the pure-Python parser, whose error
messages (and alias positions) are the ones users see.

Scalars follow the YAML 1.2 core schema, and reading is bounded (nesting depth, alias
expansions, values) so that a hostile or broken file is an error, never a hang.

core_schema.py holds the YAML 1.2 resolvers and constructors, loader.py the bounded
loaders, convert.py the conversion to plain data with marks, encoding.py the decoding of a
file's bytes; this module reads a text or a file into a Document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.errors import Problem, ScenarioError
from simulator.scenario.yamlio.convert import Converter, KeyPath, Mark, Stop, format_path
from simulator.scenario.yamlio.core_schema import scalar_hint
from simulator.scenario.yamlio.encoding import decode, unprintable
from simulator.scenario.yamlio.loader import (
    LOADERS,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    Loader,
    yaml_problem,
)

__all__ = [
    "LOADERS",
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "KeyPath",
    "Mark",
    "decode",
    "format_path",
    "parse_text",
    "read_file",
    "scalar_hint",
]


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
    """Parse one YAML document; raise ScenarioError with the position of any problem."""
    bad = unprintable(text, file)
    if bad:
        raise ScenarioError(bad)
    for loader_class in LOADERS[:-1]:
        try:
            return _parse(text, file, loader_class)
        except (yaml.YAMLError, ScenarioError):
            pass  # reported by the last parser, with its messages and marks
    return _parse(text, file, LOADERS[-1])


def _parse(text: str, file: str, loader_class) -> Document:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document({}, {(): Mark(file, 1, 1)}, {})
        converter = Converter(loader, file)
        data = converter.convert(node, ())
    except Stop as stop:
        raise ScenarioError([*converter.problems, stop.problem]) from None
    except yaml.YAMLError as exc:
        if loader_class is not Loader:
            raise yaml.YAMLError(str(exc)) from None
        raise ScenarioError([yaml_problem(exc, file)]) from None
    finally:
        loader.dispose()
    if converter.problems:
        raise ScenarioError(converter.problems)
    return Document(data, converter.marks, converter.key_marks)


def read_file(path: Path) -> Document:
    """Read and parse a YAML file; a missing or unreadable file is a ScenarioError."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), 0, 0, "", "file not found")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 0, 0, "", f"cannot read file ({exc})")]) from None
    return parse_text(decode(raw, str(path)), str(path))
