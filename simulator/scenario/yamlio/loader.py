"""The loaders that compose a document: core-schema scalars, bounded nesting, alias marks;
libyaml's parser when PyYAML has it, then the pure-Python one; their errors as problems."""

from __future__ import annotations

import yaml

from simulator.errors import Problem
from simulator.scenario.yamlio.core_schema import core_schema

# Limits on what one file may expand to, far above any real scenario (the largest shipped
# file has 124 values nested 7 deep) and low enough that a hostile file fails in well under a
# second: levels of nesting, aliases expanded (`*name`), and values after expansion.
MAX_DEPTH = 100
MAX_ALIASES = 5_000
MAX_NODES = 100_000


class LimitError(yaml.YAMLError):
    """A limit crossed while composing; `mark` is None where the parser cannot say where."""

    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message, self.mark = message, mark


class _Bounded:
    """Composer hooks, shared by both parsers, that stop a document nested too deeply.

    Both composers recurse: PyYAML's ends in a RecursionError near 330 levels, libyaml's
    stops at 1,000 with a mark at line 1. A pre-scan of the text cannot tell block nesting
    without parsing it, and a raised recursion limit only moves the crash (into C, for
    libyaml); counting levels in the hook both composers call on entering a node stops at
    the 101st, at the event's position (pure-Python parser), for no measurable cost.
    """

    _depth = 0

    def descend_resolver(self, parent, index):
        # Called by both composers (libyaml's too) on entering every node, keys included.
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(too_deep(), self._event_mark())
        super().descend_resolver(parent, index)

    def ascend_resolver(self):
        self._depth -= 1
        super().ascend_resolver()

    def _event_mark(self):
        return None  # libyaml's composer keeps its events to itself


def too_deep() -> str:
    return f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"


class Loader(_Bounded, yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and bounded reading; it also notes where
    each alias is written (its node is the anchor's, which marks the anchor)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.alias_marks: dict = {}

    def compose_node(self, parent, index):
        mark = self.peek_event().start_mark if self.check_event(yaml.AliasEvent) else None
        node = super().compose_node(parent, index)
        if mark is not None and index is not None:
            self.alias_marks[_slot(parent, index)] = mark
        return node

    def _event_mark(self):
        return self.peek_event().start_mark


core_schema(Loader)

if yaml.__with_libyaml__:

    class _FastLoader(_Bounded, yaml.CSafeLoader):
        """libyaml's parser with Loader's resolvers (resolving runs in Python)."""

    core_schema(_FastLoader)
    LOADERS = (_FastLoader, Loader)
else:  # pragma: no cover - PyYAML built without libyaml
    LOADERS = (Loader,)


def _slot(parent, index) -> tuple:
    """Where a child sits: its parent and its position (an int, or a mapping's key node)."""
    return id(parent), index if isinstance(index, int) else id(index)


def yaml_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """The problem PyYAML (or a limit) reports, at its mark when it has one."""
    if isinstance(exc, LimitError):
        mark, what = exc.mark, exc.message
    elif isinstance(exc, yaml.MarkedYAMLError):
        mark, what = exc.problem_mark or exc.context_mark, f"malformed YAML: {_syntax(exc)}"
    else:
        mark, what = None, f"malformed YAML: {exc}"
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return Problem(file, line, col, "", what)


def _syntax(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's complaint, with the line of the construct it was reading when that differs."""
    what = exc.problem or exc.context or "malformed YAML"
    ctx, at = exc.context_mark, exc.problem_mark
    if exc.problem and exc.context and ctx and at and ctx.line != at.line:
        what += f" ({exc.context} that starts at line {ctx.line + 1})"
    if "'\\t'" in what:
        what += "; YAML indents with spaces, not tabs"
    elif "<block" in what:
        what += "; check the indentation"
    return what
