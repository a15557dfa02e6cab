"""A composed YAML node graph turned into plain data, with the mark (file, line, column) of
every key path, within the limits on aliases, values and depth."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from simulator.errors import Problem
from simulator.scenario.yamlio.core_schema import TAG
from simulator.scenario.yamlio.loader import MAX_ALIASES, MAX_DEPTH, MAX_NODES, too_deep

KeyPath = tuple  # tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    file: str
    line: int  # 1-based; 0 when the value came from the command line
    col: int  # 1-based


def format_path(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _mark(node: yaml.Node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


_NO_MERGE = "merge keys (<<) are YAML 1.1, not 1.2: write the keys out, or use extends"


class Stop(Exception):
    """A limit was crossed while converting: the document is not read any further."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class Converter:
    """Turns a composed node graph into plain data and the marks of its key paths.

    An alias is its anchor's own node, met again at another place: each such meeting is
    counted as an alias expanded, and every value produced (aliases expanded) as a node, so
    that a few nested aliases (a "billion laughs") cannot expand without end; an alias inside
    its own anchor is refused.
    """

    def __init__(self, loader, file: str):
        self.loader, self.file = loader, file
        self.marks: dict = {}
        self.key_marks: dict = {}
        self.problems: list[Problem] = []
        self.alias_marks = getattr(loader, "alias_marks", {})
        self.home: dict = {}  # id of a node -> the slot where it was first met (its anchor's)
        self.node_marks: dict = {}  # id of a node -> its Mark, made once however often it is met
        self.open: set = set()  # ids of the collections on the current branch
        self.nodes = self.aliases = 0

    def convert(self, node, path: KeyPath, slot: tuple = (None, None)):
        mark = self.marks[path] = self._mark(node)
        where = self._count(node, path, slot, mark)
        if node.tag not in self.loader.yaml_constructors:  # e.g. !!python/object
            tag = node.tag.replace(TAG, "!!")
            expected = "plain YAML: numbers, text, lists, maps"
            self._add(where, path, f"unsupported tag (got {tag}; expected {expected})")
            return None
        if isinstance(node, yaml.ScalarNode):  # the constructor itself: scalars hold no aliases
            return self.loader.yaml_constructors[node.tag](self.loader, node)
        if id(node) in self.open:
            self._add(where, path, "an alias inside its own anchor (the value would be endless)")
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.convert(v, path + (i,), (id(node), i)) for i, v in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _count(self, node, path: KeyPath, slot: tuple, where: Mark) -> Mark:
        """Count the node against the limits; where it is written (the alias, if it is one)."""
        self.nodes += 1
        home = self.home.setdefault(id(node), slot)
        if home != slot:
            self.aliases += 1
            alias = self.alias_marks.get(slot)  # only the pure-Python composer notes them
            where = Mark(self.file, alias.line + 1, alias.column + 1) if alias else where
        if self.aliases > MAX_ALIASES:
            self._stop(where, path, f"too many aliases (more than {MAX_ALIASES:,} expanded)")
        if self.nodes > MAX_NODES:
            self._stop(where, path, f"too many values (more than {MAX_NODES:,} with aliases)")
        if len(path) >= MAX_DEPTH:  # aliases nested in aliases: deeper than the text
            self._stop(where, path[:3], too_deep() + " with aliases")
        return where

    def _mapping(self, node, path: KeyPath) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in out:
                self._add(_mark(key_node, self.file), path + (key,), "duplicate key")
                continue
            self.key_marks[path + (key,)] = _mark(key_node, self.file)
            out[key] = self.convert(value_node, path + (key,), (id(node), id(key_node)))
        return out

    def _key(self, key_node, path: KeyPath) -> str | None:
        """The key as text, or None (and a problem) for a key that is not a plain word."""
        where = _mark(key_node, self.file)
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag in self.loader.yaml_constructors:
            key = self.loader.construct_object(key_node)
            if key == "<<":
                self._add(where, path, _NO_MERGE)
                return None
            if isinstance(key, (str, int, float, bool)):
                return key if isinstance(key, str) else str(key)
        self._add(where, path, "a key must be a plain word")
        return None

    def _mark(self, node) -> Mark:
        mark = self.node_marks.get(id(node))
        if mark is None:
            mark = self.node_marks[id(node)] = _mark(node, self.file)
        return mark

    def _add(self, mark: Mark, path: KeyPath, message: str) -> None:
        self.problems.append(_problem(mark, path, message))

    def _stop(self, mark: Mark, path: KeyPath, message: str):
        raise Stop(_problem(mark, path, message))


def _problem(mark: Mark, path: KeyPath, message: str) -> Problem:
    return Problem(mark.file, mark.line, mark.col, format_path(path), message)
