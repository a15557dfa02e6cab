"""Every file in tests/bad/ must fail to load, with the problems its header announces.

A bad file starts with comment lines; each `# expect: LINE: TEXT` asks for a
problem on that (1-based) line whose rendered form contains TEXT.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario

BAD = Path(__file__).parent / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
_EXPECT = re.compile(r"^#\s*expect:\s*(\d+):\s?(.+?)\s*$")


def expectations(path: Path) -> list[tuple[int, str]]:
    """The `# expect:` lines of the file's leading comment block."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = _EXPECT.match(line)
        if m:
            found.append((int(m.group(1)), m.group(2)))
    return found


def problems_of(path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_corpus_is_large_enough():
    assert len(BAD_FILES) >= 32


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file(path: Path):
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect: LINE: TEXT' header"
    problems = problems_of(path)
    rendered = "\n".join(str(p) for p in problems)
    for line, text in expected:
        assert any(p.line == line and text in str(p) for p in problems), (
            f"no problem on line {line} containing {text!r}; got:\n{rendered}"
        )
    for p in problems:
        assert str(p).startswith(str(path)), f"problem outside {path.name}: {p}"


@pytest.mark.parametrize("name", ["several_mistakes", "several_cross_key_mistakes"])
def test_every_independent_mistake_is_reported(name: str):
    path = BAD / f"{name}.yaml"
    problems = problems_of(path)
    expected = expectations(path)
    assert len(expected) >= 3
    assert {line for line, _ in expected} <= {p.line for p in problems}
    assert len(problems) >= len(expected)


def test_error_message_lists_every_problem():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "several_mistakes.yaml")
    lines = str(info.value).splitlines()
    assert lines == [str(p) for p in info.value.problems]
    assert len(lines) == 4
