"""Every file in tests/bad/ must fail to load, with the problems its header announces.

A bad file starts with comment lines; each `# expect: LINE: TEXT` asks for a
problem on that (1-based) line whose rendered form contains TEXT, and
`# expect: bases/FILE:LINE: TEXT` for one in a base file it extends. A file whose header
has `# fit: KEYS` is a valid scenario that `consim calibrate FILE --fit KEYS` refuses.
Files in other encodings (UTF-16, Latin-1) carry their header in ASCII.

Every file is run through the `consim run FILE --out DIR` command: in-process with
click's runner (the function the console script calls), and the hostile ones (and a
few others) also in a real subprocess with a timeout, so that a hang fails.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli import consim

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario import yamlio
from simulator.scenario.load import load_scenario

BAD = Path(__file__).parent / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
_EXPECT = re.compile(r"^#\s*expect:\s*(?:(\S+?):)?(\d+):\s?(.+?)\s*$")
_FIT = re.compile(r"^#\s*fit:\s*(\S+)\s*$")
# FILE:LINE:COL: key.path: message, or FILE:LINE:COL: message where no key is involved
# (YAML syntax, characters, encodings, nesting). The line is always a real one.
PROBLEM_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?:(?P<path>[^\s:]+): )?(?P<msg>\S.*)$"
)
# Run in a real process too: the hostile files, where a hang or a crash would hide.
SUBPROCESS = [
    "alias_bomb",
    "alias_cycle",
    "deep_nesting_flow",
    "deep_nesting_block",
    "nul_character",
    "escape_character",
    "latin1_label",
    "utf16_bom_typo",
    "extends_png",
    "tab_indentation",
    "yaml11_digit_separator",
    "several_mistakes",
]


def header(path: Path) -> str:
    """The file's text: decoded as the reader does, else (not UTF-8) its ASCII header."""
    raw = path.read_bytes()
    try:
        return yamlio.decode(raw, str(path))
    except ScenarioError:
        return raw.decode("utf-8", errors="replace")


def expectations(path: Path) -> list[tuple[str, int, str]]:
    """The (file, line, text) of the `# expect:` lines of the leading comment block."""
    found = []
    for line in header(path).splitlines():
        if not line.startswith("#"):
            break
        m = _EXPECT.match(line)
        if m:
            file = str(BAD / m.group(1)) if m.group(1) else str(path)
            found.append((file, int(m.group(2)), m.group(3)))
    return found


def command(path: Path, out: Path) -> list[str]:
    """`consim run FILE --out OUT`, or `consim calibrate` for a file with a `# fit:` line."""
    for line in header(path).splitlines():
        m = _FIT.match(line)
        if m:
            return ["calibrate", str(path), "--fit", m.group(1), "--out", str(out)]
    return ["run", str(path), "--out", str(out)]


def problems_of(path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def check_refused(path: Path, code: int, stdout: str, stderr: str, out: Path) -> None:
    """Exit code 2, every stderr line a problem, the expected ones there, nothing written."""
    assert code == 2, f"exit {code}\n{stdout}\n{stderr}"
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert lines, "no problem reported"
    parsed = [PROBLEM_LINE.match(line) for line in lines]
    assert all(parsed), f"a line is not FILE:LINE:COL: [key.path: ]message:\n{stderr}"
    for file, line, text in expectations(path):
        assert any(
            m["file"] == file and int(m["line"]) == line and text in m.string for m in parsed
        ), f"no problem at {file}:{line} containing {text!r}:\n{stderr}"
    for m in parsed:
        assert m["file"] == str(path) or m["file"].startswith(str(BAD / "bases")), m.string
    assert not out.exists()
    assert list(out.parent.iterdir()) == [], "something was written beside --out"


def test_corpus_is_large_enough():
    assert len(BAD_FILES) >= 168


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file(path: Path, tmp_path: Path):
    assert expectations(path), f"{path.name} has no '# expect: LINE: TEXT' header"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, command(path, out))
    check_refused(path, result.exit_code, result.stdout, result.stderr, out)


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_file_in_a_real_process(name: str, tmp_path: Path):
    path = BAD / f"{name}.yaml"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    try:
        done = consim("run", path, "--out", scratch / "out", cwd=scratch, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"consim run {path.name} did not finish in 20 s")
    check_refused(path, done.returncode, done.stdout, done.stderr, scratch / "out")


@pytest.mark.parametrize("name", ["several_mistakes", "several_cross_key_mistakes"])
def test_every_independent_mistake_is_reported(name: str):
    path = BAD / f"{name}.yaml"
    problems = problems_of(path)
    expected = expectations(path)
    assert len(expected) >= 3
    assert {line for _, line, _ in expected} <= {p.line for p in problems}
    assert len(problems) >= len(expected)


def test_error_message_lists_every_problem():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "several_mistakes.yaml")
    lines = str(info.value).splitlines()
    assert lines == [str(p) for p in info.value.problems]
    assert len(lines) == 4
