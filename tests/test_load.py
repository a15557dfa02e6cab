"""The good path of the scenario loader: extends, --set overrides, numbers and months."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.errors import ScenarioError
from simulator.scenario import yamlio
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import load_scenario, scenario_hash
from simulator.scenario.types import month_label, parse_month

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

BASE = """\
start: 2012-01
end: 2016-12
ventures:
  cloud:
    label: Cloud
    minimum_capital: 100
    deadline: 2012-12
partners:
  state:
    label: French State
    public: true
    pledge: 100
    schedule: {type: tranches, count: 4, every: 12, start: 2012-06}
  orange:
    label: Orange
    pledge: 60
    departure: {at: 2013-06}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path, "base.yaml", BASE)


# --- the shipped scenarios ---------------------------------------------------------


def test_there_are_scenarios():
    assert SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_loads(path: Path):
    scenario = load_scenario(path)
    assert scenario.partners
    assert scenario.start <= scenario.end
    assert scenario.files and all(Path(f).exists() for f in scenario.files)


def test_dassault_leaves_extends_the_plan():
    plan = load_scenario(ROOT / "scenarios" / "andromede_plan.yaml")
    leaves = load_scenario(ROOT / "scenarios" / "dassault_leaves.yaml")
    assert plan.partners["dassault"].departure is None
    assert leaves.partners["dassault"].departure.at == parse_month("2011-12")
    # the rest of the member comes from the base
    assert leaves.partners["dassault"].pledge == plan.partners["dassault"].pledge == 60
    assert leaves.partners["dassault"].label == "Dassault Systèmes"
    assert leaves.name == "dassault_leaves"
    assert len(leaves.files) == 2


# --- extends -----------------------------------------------------------------------


def test_name_defaults_to_the_file_stem(base: Path):
    assert load_scenario(base).name == "base"


def test_extends_deep_merges(tmp_path: Path, base: Path):
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\npartners:\n  orange:\n    pledge: 80\n  thales: {pledge: 30}\n",
    )
    s = load_scenario(child)
    assert s.partners["orange"].pledge == 80
    assert s.partners["orange"].label == "Orange"  # kept from the base
    assert s.partners["orange"].departure.at == parse_month("2013-06")
    assert s.partners["thales"].pledge == 30
    assert s.partners["state"].schedule.count == 4
    assert list(s.partners) == ["state", "orange", "thales"]
    assert s.files == sorted([str(base), str(child)])


def test_extends_null_removes_a_key(tmp_path: Path, base: Path):
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\npartners:\n  orange:\n    departure: null\n"
    )
    s = load_scenario(child)
    assert s.partners["orange"].departure is None
    assert s.partners["orange"].pledge == 60
    assert "departure" not in s.source["partners"]["orange"]


def test_extends_null_removes_a_member(tmp_path: Path, base: Path):
    child = write(tmp_path, "child.yaml", "extends: base.yaml\npartners:\n  orange: null\n")
    assert list(load_scenario(child).partners) == ["state"]


def test_extends_new_type_replaces_the_mapping(tmp_path: Path, base: Path):
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\npartners:\n  state:\n    schedule: {type: upfront}\n",
    )
    schedule = load_scenario(child).partners["state"].schedule
    assert schedule.type == "upfront"  # `count`, `every` and `start` do not leak from the base
    child = write(
        tmp_path,
        "child2.yaml",
        "extends: base.yaml\npartners:\n  state:\n    schedule: {count: 5}\n",
    )
    schedule = load_scenario(child).partners["state"].schedule
    assert (schedule.type, schedule.count, schedule.every) == ("tranches", 5, 12)  # same type


def test_extends_chain_and_subdirectory(tmp_path: Path):
    write(tmp_path, "bases/root.yaml", BASE)
    write(tmp_path, "bases/middle.yaml", "extends: root.yaml\ntitle: Middle\nunit: k€\n")
    top = write(tmp_path, "top.yaml", "extends: bases/middle.yaml\ntitle: Top\n")
    s = load_scenario(top)
    assert (s.title, s.unit, s.name) == ("Top", "k€", "top")
    assert len(s.files) == 3


def test_problem_in_child_points_at_child(tmp_path: Path, base: Path):
    child = write(tmp_path, "child.yaml", "extends: base.yaml\npartners:\n  orange: {pledge: -1}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.path) == (str(child), 3, "partners.orange.pledge")


# --- --set overrides ---------------------------------------------------------------


def test_set_a_number(base: Path):
    s = load_scenario(base, overrides=["partners.state.pledge=150"])
    assert s.partners["state"].pledge == 150


def test_set_a_distribution(base: Path):
    s = load_scenario(base, overrides=["partners.orange.pledge={dist: uniform, low: 1, high: 2}"])
    pledge = s.partners["orange"].pledge
    assert isinstance(pledge, Distribution)
    assert (pledge.kind, pledge.params) == ("uniform", (1.0, 2.0))


def test_set_null_removes_a_key(base: Path):
    s = load_scenario(base, overrides=["partners.orange.departure=null"])
    assert s.partners["orange"].departure is None
    s = load_scenario(base, overrides=["partners.orange.departure="])
    assert s.partners["orange"].departure is None


def test_set_creates_new_keys(base: Path):
    s = load_scenario(base, overrides=["partners.thales.pledge=30", "title=What if"])
    assert s.partners["thales"].pledge == 30
    assert s.title == "What if"


def test_set_applies_after_extends(tmp_path: Path, base: Path):
    child = write(tmp_path, "child.yaml", "extends: base.yaml\npartners:\n  orange: {pledge: 80}\n")
    s = load_scenario(child, overrides=["partners.orange.pledge=90"])
    assert s.partners["orange"].pledge == 90
    assert s.files == sorted([str(base), str(child)])  # --set is not a file


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ("partners.state.pledge=-5", "out of range (got -5; expected an amount ≥ 0)"),
        ("partners.state.pledge=lots", "not a number (got 'lots'"),
        ("partners.state.pleadge=5", "did you mean 'pledge'?"),
        ("partners.orange.departure.at=2020-01", "departure date outside the horizon"),
        ("start=2012-13", "not a month (got '2012-13'"),
    ],
)
def test_set_bad_value_is_reported_as_set(base: Path, override: str, text: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, overrides=[override])
    (problem,) = info.value.problems
    assert problem.file == f"--set {override}"
    assert str(problem).startswith(f"--set {override}: ")
    assert text in str(problem)


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ("partners.state.pledge", "expected PATH=VALUE"),
        ("partners..pledge=1", "empty key in path"),
        ("partners.state.pledge=[1", "value is not valid YAML"),
        ("partners.state.pledge.amount=1", "cannot set a key inside a value"),
    ],
)
def test_set_malformed(base: Path, override: str, text: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, overrides=[override])
    assert str(info.value).startswith(f"--set {override}: ")
    assert text in str(info.value)


# --- numbers, months, hashes -------------------------------------------------------


def test_exponent_notation_is_a_number(tmp_path: Path, base: Path):
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\npartners:\n  orange: {pledge: 1e3}\n"
    )
    assert load_scenario(child).partners["orange"].pledge == 1000.0
    s = load_scenario(base, overrides=["partners.state.pledge=2.5e2"])
    assert s.partners["state"].pledge == 250.0


def test_parse_month():
    assert parse_month("2012-01") == 2012 * 12
    assert parse_month("2012-12") == 2012 * 12 + 11
    assert parse_month("2013-01") - parse_month("2012-12") == 1
    assert month_label(parse_month("2016-07")) == "2016-07"


@pytest.mark.parametrize("text", ["2012-13", "2012-00", "2012-1", "2012", "12-2012", ""])
def test_parse_month_rejects(text: str):
    with pytest.raises(ValueError):
        parse_month(text)


def test_months_in_a_scenario(base: Path):
    s = load_scenario(base)
    assert s.start == 2012 * 12
    assert s.horizon == 60
    assert s.partners["state"].schedule.start == parse_month("2012-06")


def test_hash_is_stable_and_sensitive(base: Path):
    a, b = load_scenario(base), load_scenario(base)
    assert scenario_hash(a) == scenario_hash(b)
    c = load_scenario(base, overrides=["partners.state.pledge=101"])
    assert scenario_hash(c) != scenario_hash(a)


YAML_FILES = sorted({*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")})


@pytest.mark.skipif(len(yamlio._LOADERS) < 2, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_pure_python_parsers_agree(path):
    """Every file reads the same (values, value and key marks) with libyaml's parser as with
    PyYAML's own, or both reject it: the fast parser changes nothing a user can see."""
    text = path.read_text(encoding="utf-8")
    results = []
    for loader in yamlio._LOADERS:
        try:
            doc = yamlio._parse(text, str(path), loader)
            results.append((doc.data, doc.marks, doc.key_marks))
        except (yaml.YAMLError, ScenarioError):  # the fast one raises yaml's, the last ours
            results.append("rejected")
    assert results[0] == results[1]
