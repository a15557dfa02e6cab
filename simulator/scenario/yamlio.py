"""Safe YAML reading that remembers where every key came from.

Documents are composed with PyYAML's SafeLoader (no Python tags) and turned into
plain dicts/lists by hand, so each key path gets a (file, line, column) mark that
error messages can point to. libyaml's parser composes them when PyYAML has it (bench.yaml:
1.0 ms against 5.1 ms, with the checks below); a document it rejects is parsed again
by the pure-Python parser, whose error messages (and alias positions) are the ones users see.

Scalars follow the YAML 1.2 core schema, and reading is bounded (nesting depth, alias
expansions, values) so that a hostile or broken file is an error, never a hang (the
checks cost bench.yaml 0.2 ms).
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.errors import Problem, ScenarioError

KeyPath = tuple  # tuple[str | int, ...]

# Limits on what one file may expand to, far above any real scenario (the largest shipped
# file has 124 values nested 7 deep) and low enough that a hostile file fails in well under a
# second: levels of nesting, aliases expanded (`*name`), and values after expansion.
MAX_DEPTH = 100
MAX_ALIASES = 5_000
MAX_NODES = 100_000


@dataclass(frozen=True)
class Mark:
    file: str
    line: int  # 1-based; 0 when the value came from the command line
    col: int  # 1-based


# --- YAML 1.2 core schema ----------------------------------------------------------------
# The resolvers of the YAML 1.2.2 core schema (§10.3.2) replace PyYAML's YAML 1.1 ones, which
# read `yes`/`on` as booleans, `1_000` and `017` (octal) and `1:30` (base 60) as numbers and
# `2012-01-31` as a date. Only the core schema's tags may be written explicitly.

_CORE_NULL = re.compile(r"~|null|Null|NULL|")
_CORE_BOOL = {
    word: word.lower() == "true" for word in ("true", "True", "TRUE", "false", "False", "FALSE")
}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_TAG = "tag:yaml.org,2002:"


class _LimitError(yaml.YAMLError):
    """A limit crossed while composing; `mark` is None where the parser cannot say where."""

    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message, self.mark = message, mark


def _refuse(node, text: str, what: str):
    """An explicit tag whose value does not fit it (`!!bool maybe`): a YAML error, marked."""
    raise yaml.constructor.ConstructorError(
        None, None, f"not {what} (got {text!r})", node.start_mark
    )


def _construct_null(loader, node):
    text = loader.construct_scalar(node)
    return None if _CORE_NULL.fullmatch(text) else _refuse(node, text, "null")


def _construct_bool(loader, node):
    text = loader.construct_scalar(node)
    return _CORE_BOOL[text] if text in _CORE_BOOL else _refuse(node, text, "true or false")


def _construct_int(loader, node):
    """Base 10, or 0o/0x: `int(text, 0)` would refuse `007`, and PyYAML's reads it as octal."""
    text = loader.construct_scalar(node)
    if not _CORE_INT.fullmatch(text):
        _refuse(node, text, "a whole number")
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)


def _construct_float(loader, node):
    text = loader.construct_scalar(node)
    if not _CORE_FLOAT.fullmatch(text):
        _refuse(node, text, "a number")
    if text.lower().endswith(".nan"):
        return math.nan
    if text.lower().endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    return float(text)


_CONSTRUCTORS = {
    _TAG + "null": _construct_null,
    _TAG + "bool": _construct_bool,
    _TAG + "int": _construct_int,
    _TAG + "float": _construct_float,
    _TAG + "str": yaml.SafeLoader.construct_yaml_str,
    _TAG + "seq": yaml.SafeLoader.construct_yaml_seq,
    _TAG + "map": yaml.SafeLoader.construct_yaml_map,
    None: yaml.SafeLoader.construct_undefined,
}

# (tag, pattern, first characters), in the order the schema tries them (int before float).
_RESOLVERS = (
    ("null", _CORE_NULL, ["~", "n", "N", ""]),
    ("bool", re.compile("|".join(_CORE_BOOL)), list("tTfF")),
    ("int", _CORE_INT, list("-+0123456789")),
    ("float", _CORE_FLOAT, list("-+0123456789.")),
)


def _core_schema(loader_class) -> None:
    """Give a loader class the core schema's resolvers and constructors, and nothing else."""
    loader_class.yaml_implicit_resolvers = {}
    for tag, pattern, first in _RESOLVERS:
        anchored = re.compile(rf"^(?:{pattern.pattern})$")
        loader_class.add_implicit_resolver(_TAG + tag, anchored, first)
    loader_class.yaml_constructors = dict(_CONSTRUCTORS)
    loader_class.yaml_multi_constructors = {}


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
            raise _LimitError(_too_deep(), self._event_mark())
        super().descend_resolver(parent, index)

    def ascend_resolver(self):
        self._depth -= 1
        super().ascend_resolver()

    def _event_mark(self):
        return None  # libyaml's composer keeps its events to itself


def _too_deep() -> str:
    return f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"


class _Loader(_Bounded, yaml.SafeLoader):
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


_core_schema(_Loader)

if yaml.__with_libyaml__:

    class _FastLoader(_Bounded, yaml.CSafeLoader):
        """libyaml's parser with _Loader's resolvers (resolving runs in Python)."""

    _core_schema(_FastLoader)
    _LOADERS = (_FastLoader, _Loader)
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADERS = (_Loader,)


def _slot(parent, index) -> tuple:
    """Where a child sits: its parent and its position (an int, or a mapping's key node)."""
    return id(parent), index if isinstance(index, int) else id(index)


def format_path(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _mark(node: yaml.Node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


_NO_MERGE = "merge keys (<<) are YAML 1.1, not 1.2: write the keys out, or use extends"


class _Stop(Exception):
    """A limit was crossed while converting: the document is not read any further."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Converter:
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
            tag = node.tag.replace(_TAG, "!!")
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
            self._stop(where, path[:3], _too_deep() + " with aliases")
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
        raise _Stop(_problem(mark, path, message))


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
    """Parse one YAML document; raise ScenarioError with the position of any problem."""
    bad = _unprintable(text, file)
    if bad:
        raise ScenarioError(bad)
    for loader_class in _LOADERS[:-1]:
        try:
            return _parse(text, file, loader_class)
        except (yaml.YAMLError, ScenarioError):
            pass  # reported by the last parser, with its messages and marks
    return _parse(text, file, _LOADERS[-1])


def _parse(text: str, file: str, loader_class) -> Document:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document({}, {(): Mark(file, 1, 1)}, {})
        converter = _Converter(loader, file)
        data = converter.convert(node, ())
    except _Stop as stop:
        raise ScenarioError([*converter.problems, stop.problem]) from None
    except yaml.YAMLError as exc:
        if loader_class is not _Loader:
            raise yaml.YAMLError(str(exc)) from None
        raise ScenarioError([_yaml_problem(exc, file)]) from None
    finally:
        loader.dispose()
    if converter.problems:
        raise ScenarioError(converter.problems)
    return Document(data, converter.marks, converter.key_marks)


def _yaml_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """The problem PyYAML (or a limit) reports, at its mark when it has one."""
    if isinstance(exc, _LimitError):
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


# --- characters and encodings -------------------------------------------------------------

# Characters YAML 1.2 allows in a stream (c-printable, §5.1); anything else, a NUL or an
# escape code, is refused before parsing, at its own line and column.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_REPORTED = 10


def _unprintable(text: str, file: str) -> list[Problem]:
    """A problem for each character YAML does not allow (the first ten, then a count)."""
    found = list(_UNPRINTABLE.finditer(text))
    problems = []
    for m in found[:_MAX_REPORTED]:
        code = ord(m.group())
        kind = "control character" if code < 0xA0 else "character"
        line, col = _line_col(text, m.start())
        message = f"{kind} U+{code:04X} is not allowed in YAML (remove it)"
        problems.append(Problem(file, line, col, "", message))
    if len(found) > _MAX_REPORTED:
        last = problems[-1]
        more = f"; {len(found) - _MAX_REPORTED} more after this one"
        problems[-1] = Problem(last.file, last.line, last.col, "", last.message + more)
    return problems


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1


# YAML 1.2 §5.2: a stream is UTF-8, UTF-16 or UTF-32, told by a byte order mark or by the
# zero bytes around its first (ASCII) character. (prefix, codec) pairs, tried in this order.
_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)


def _encoding(raw: bytes) -> str:
    for prefix, codec in _ENCODINGS:
        if raw.startswith(prefix):
            return codec
    head = raw[:4]
    if len(head) == 4 and head[:3] == b"\x00\x00\x00":
        return "utf-32-be"
    if len(head) == 4 and head[1:] == b"\x00\x00\x00":
        return "utf-32-le"
    if len(head) >= 2 and head[0] == 0:
        return "utf-16-be"
    if len(head) >= 2 and head[1] == 0:
        return "utf-16-le"
    return "utf-8"


def decode(raw: bytes, file: str) -> str:
    """The text of a file's bytes, read as YAML 1.2 says (UTF-8, or UTF-16/32 told by a byte
    order mark or zero bytes); a byte that does not decode is reported at its line and column."""
    codec = _encoding(raw)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode(codec, errors="replace")
        line, col = _line_col(before, len(before))
        raise ScenarioError(
            [Problem(file, line, col, "", _decode_message(raw, exc, codec))]
        ) from None
    # Line ends as Python's text mode reads them: \r\n and \r are \n.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_message(raw: bytes, exc: UnicodeDecodeError, codec: str) -> str:
    byte = raw[exc.start]
    if codec.startswith("utf-8") and b"\x00" in raw[:8192]:
        return f"not a text file (got binary data, byte 0x{byte:02x}; expected YAML text)"
    if codec.startswith("utf-8"):
        fix = "save it as UTF-8, e.g. iconv -f latin1 -t utf-8 OLD.yaml > NEW.yaml"
        return f"the file is not UTF-8 (got byte 0x{byte:02x}); {fix}"
    return f"the file is not valid {codec.upper()} (got byte 0x{byte:02x}); save it as UTF-8"


def read_file(path: Path) -> Document:
    """Read and parse a YAML file; a missing or unreadable file is a ScenarioError."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), 0, 0, "", "file not found")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 0, 0, "", f"cannot read file ({exc})")]) from None
    return parse_text(decode(raw, str(path)), str(path))


# --- text that YAML 1.1 would have read as a number or a boolean ----------------------------

_SEPARATED = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?")
_WORD_BOOLS = {"yes", "no", "on", "off", "y", "n"}


def scalar_hint(value) -> str:
    """Advice, to append to a wrong-type message, for text a YAML 1.1 reader (or a habit
    from elsewhere) takes for a number or a boolean; empty when there is none."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if "_" in text and _SEPARATED.fullmatch(text):
        return f"; YAML 1.2 has no digit separators, write {text.replace('_', '')}"
    if text.lower() in _WORD_BOOLS:
        return "; YAML 1.2 reads yes, no, on and off as words"
    if _SEXAGESIMAL.fullmatch(text):
        return "; YAML 1.2 has no base-60 numbers (1:30 is text), write the value out"
    if re.fullmatch(r"[-+]?0b[01_]+", text):
        return "; YAML 1.2 has no 0b binary numbers, write it in decimal"
    if _CORE_INT.fullmatch(text) or _CORE_FLOAT.fullmatch(text) or text in _CORE_BOOL:
        return "; it is quoted, so it is text: remove the quotes"
    return ""
