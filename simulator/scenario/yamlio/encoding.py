"""The text of a YAML file: its encoding (YAML 1.2 §5.2) and the characters it may hold."""

from __future__ import annotations

import codecs
import re

from simulator.errors import Problem, ScenarioError

# Characters YAML 1.2 allows in a stream (c-printable, §5.1); anything else, a NUL or an
# escape code, is refused before parsing, at its own line and column.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_REPORTED = 10


def unprintable(text: str, file: str) -> list[Problem]:
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
