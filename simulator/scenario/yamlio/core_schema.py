"""The YAML 1.2 core schema (YAML 1.2.2 §10.3.2) for PyYAML's loaders.

Its resolvers replace PyYAML's YAML 1.1 ones, which read `yes`/`on` as booleans, `1_000` and
`017` (octal) and `1:30` (base 60) as numbers and `2012-01-31` as a date. Only the core
schema's tags may be written explicitly. scalar_hint advises on text that YAML 1.1 (or a
habit from elsewhere) would have read as a number or a boolean.
"""

from __future__ import annotations

import math
import re

import yaml

_CORE_NULL = re.compile(r"~|null|Null|NULL|")
_CORE_BOOL = {
    word: word.lower() == "true" for word in ("true", "True", "TRUE", "false", "False", "FALSE")
}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
TAG = "tag:yaml.org,2002:"


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
    TAG + "null": _construct_null,
    TAG + "bool": _construct_bool,
    TAG + "int": _construct_int,
    TAG + "float": _construct_float,
    TAG + "str": yaml.SafeLoader.construct_yaml_str,
    TAG + "seq": yaml.SafeLoader.construct_yaml_seq,
    TAG + "map": yaml.SafeLoader.construct_yaml_map,
    None: yaml.SafeLoader.construct_undefined,
}

# (tag, pattern, first characters), in the order the schema tries them (int before float).
_RESOLVERS = (
    ("null", _CORE_NULL, ["~", "n", "N", ""]),
    ("bool", re.compile("|".join(_CORE_BOOL)), list("tTfF")),
    ("int", _CORE_INT, list("-+0123456789")),
    ("float", _CORE_FLOAT, list("-+0123456789.")),
)


def core_schema(loader_class) -> None:
    """Give a loader class the core schema's resolvers and constructors, and nothing else."""
    loader_class.yaml_implicit_resolvers = {}
    for tag, pattern, first in _RESOLVERS:
        anchored = re.compile(rf"^(?:{pattern.pattern})$")
        loader_class.add_implicit_resolver(TAG + tag, anchored, first)
    loader_class.yaml_constructors = dict(_CONSTRUCTORS)
    loader_class.yaml_multi_constructors = {}


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
