"""The good path of the scenario loader: extends, --set overrides, numbers and months."""

from __future__ import annotations

import codecs
import math
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


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "1:1: not a text file"),
        (
            "pledges.csv",
            b"name,pledge\norange,60\n",
            "1:1: a scenario must be a mapping of keys (got text",
        ),
        ("list.yaml", b"- a\n- b\n", "1:1: a scenario must be a mapping of keys (got a list"),
        ("bad.yaml", b"a: [1\n", "malformed YAML"),
    ],
)
def test_a_base_that_is_not_a_scenario_names_the_extends_line(
    tmp_path: Path, name, content, message
):
    (tmp_path / name).write_bytes(content)
    middle = write(tmp_path, "middle.yaml", f"title: x\nextends: {name}\n")
    top = write(tmp_path, "top.yaml", "extends: middle.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(top)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{tmp_path / name}:")
    assert message in str(problem)
    assert str(problem).endswith(f" (extended from {middle}:2)")


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


def test_set_creates_a_field_the_file_leaves_out(base: Path):
    overrides = ["title=What if", "partners.orange.schedule={type: tranches, count: 2}"]
    s = load_scenario(base, overrides=overrides)
    assert s.title == "What if"
    assert s.partners["orange"].schedule.count == 2


@pytest.mark.parametrize(
    ("override", "line"),
    [
        (
            "partners.stat.pledge=150",
            "partners.stat: no partner 'stat' (did you mean 'state'? "
            "expected one of: state, orange; use --add to add one)",
        ),
        (
            "partners.thales={pledge: 30}",
            "partners.thales: no partner 'thales' "
            "(expected one of: state, orange; use --add to add one)",
        ),
        ("partners.stat=null", "partners.stat: no partner 'stat' (did you mean 'state'?"),
        (
            "ventures.clud.deadline=2013-01",
            "ventures.clud: no venture 'clud' (did you mean "
            "'cloud'? expected one of: cloud; use --add to add one)",
        ),
        (
            "candidates.atos.pledge=5",
            "candidates.atos: no candidate 'atos' (there are none; use --add to add one)",
        ),
        (
            "partners.state.pledges.cloud.amount=5",
            "partners.state.pledges.cloud: no pledge to "
            "'cloud' (there are none; use --add to add one)",
        ),
    ],
)
def test_set_never_adds_an_entry(base: Path, override: str, line: str):
    """A typo in an id must not add a partner (or a venture, …) silently: --add does that."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, overrides=[override])
    assert str(info.value).startswith(f"--set {override}: {line}")


def test_add_makes_a_new_entry_that_set_may_then_change(base: Path):
    add = ["partners.thales={pledge: 30, schedule: {type: upfront}}", "title=Thales joins"]
    s = load_scenario(base, additions=add, overrides=["partners.thales.pledge=40"])
    assert list(s.partners) == ["state", "orange", "thales"]
    assert s.partners["thales"].pledge == 40
    assert s.title == "Thales joins"
    assert load_scenario(base, additions=["partners.orange.public=true"]).partners["orange"].public


@pytest.mark.parametrize(
    ("addition", "line"),
    [
        (
            "partners.state={pledge: 1}",
            "partners.state: already exists (got {'label': 'French",
        ),
        ("partners.orange.pledge=70", "partners.orange.pledge: already exists (got 60; use --set"),
        (
            "partners.thales.pledge=30",
            "partners.thales: no partner 'thales' (expected one of: "
            "state, orange; --add makes only the last key of its path: --add partners.thales=...)",
        ),
        ("partners.thales=", "partners.thales: nothing to add (got null)"),
    ],
)
def test_add_refuses_what_exists(base: Path, addition: str, line: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, additions=[addition])
    assert str(info.value).startswith(f"--add {addition}: {line}")


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


@pytest.mark.skipif(len(yamlio.LOADERS) < 2, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_pure_python_parsers_agree(path):
    """Every file reads the same (values, value and key marks) with libyaml's parser as with
    PyYAML's own, or both reject it: the fast parser changes nothing a user can see."""
    try:
        text = yamlio.decode(path.read_bytes(), str(path))
    except ScenarioError:
        pytest.skip("not text in a YAML encoding: no parser reads it")
    results = []
    for loader in yamlio.LOADERS:
        try:
            doc = yamlio._parse(text, str(path), loader)
            results.append((doc.data, doc.marks, doc.key_marks))
        except (yaml.YAMLError, ScenarioError):  # the fast one raises yaml's, the last ours
            results.append("rejected")
    assert results[0] == results[1]


# --- YAML 1.2 core schema, the same through both parsers ----------------------------------

CORE_SCALARS = [
    ("~", None),
    ("null", None),
    ("NULL", None),
    ("", None),
    ("true", True),
    ("FALSE", False),
    ("yes", "yes"),
    ("No", "No"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("135", 135),
    ("-7", -7),
    ("+12", 12),
    ("017", 17),  # YAML 1.1 read 15 (octal)
    ("0o17", 15),
    ("0x1F", 31),
    ("0b101", "0b101"),
    ("135_000_000", "135_000_000"),
    ("1:30", "1:30"),  # YAML 1.1 read 90 (base 60)
    ("1e3", 1000.0),
    ("2.5e-2", 0.025),
    (".5", 0.5),
    ("1.", 1.0),
    ("-.inf", -math.inf),
    (".Inf", math.inf),
    ("2012-01-31", "2012-01-31"),  # YAML 1.1 read a date
    ("2012-01", "2012-01"),
    ("=", "="),
]


@pytest.mark.parametrize("loader", yamlio.LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("text", "value"), CORE_SCALARS, ids=[t or "empty" for t, _ in CORE_SCALARS]
)
def test_core_schema_scalars(loader, text: str, value):
    got = yamlio._parse(f"a: {text}\n", "f.yaml", loader).data["a"]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("loader", yamlio.LOADERS, ids=lambda c: c.__name__)
def test_nan_and_explicit_core_tags(loader):
    data = yamlio._parse("a: .nan\nb: !!int '12'\nc: !!float 1\nd: !!str 12\n", "f", loader).data
    assert math.isnan(data["a"])
    assert (data["b"], data["c"], data["d"]) == (12, 1.0, "12")
    assert type(data["c"]) is float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!bool maybe\n", "f:1:4: malformed YAML: not true or false (got 'maybe')"),
        ("a: !!int 1_000\n", "f:1:4: malformed YAML: not a whole number (got '1_000')"),
        ("a: !!timestamp 2012-01-01\n", "f:1:4: a: unsupported tag (got !!timestamp"),
        ("a: !!set {x: null}\n", "f:1:4: a: unsupported tag (got !!set"),
        ("a: &a {x: 1}\nb: {<<: *a, y: 2}\n", "f:2:5: b: merge keys (<<) are YAML 1.1"),
        ("? [1, 2]\n: 3\n", "f:1:3: a key must be a plain word"),
        ("a: &a [*a]\n", "f:1:8: a.0: an alias inside its own anchor"),
        ("a:\n\tb: 1\n", "f:2:1: malformed YAML: found character '\\t' that cannot start any"),
    ],
)
def test_tags_and_keys_outside_the_core_schema(text: str, message: str):
    with pytest.raises(ScenarioError) as info:
        yamlio.parse_text(text, "f")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("135_000_000", "YAML 1.2 has no digit separators, write 135000000"),
        ("yes", "YAML 1.2 reads yes, no, on and off as words"),
        ("1:30", "no base-60 numbers"),
        ("0b11", "no 0b binary numbers"),
        ("12", "it is quoted, so it is text: remove the quotes"),
        ("orange", None),
        (12, None),
    ],
)
def test_scalar_hint(value, hint):
    assert (hint in yamlio.scalar_hint(value)) if hint else yamlio.scalar_hint(value) == ""


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ("partners.state.pledge=135_000_000", "YAML 1.2 has no digit separators, write 135000000"),
        ("partners.state.public=yes", "wrong type (got 'yes'; expected true or false"),
        ("partners.state.public=1", "wrong type (got 1; expected true or false)"),
        ("partners.state.schedule.count='4'", "wrong type (got '4'; expected a whole number"),
        ("partners.state.schedule.count=4.5", "wrong type (got 4.5; expected a whole number)"),
        ("partners.state.label=2012", "wrong type (got 2012; expected text)"),
    ],
)
def test_no_silent_coercion(base: Path, override: str, text: str):
    """The models are strict: text is not read as a number or a boolean, nor 1 as true."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(base, overrides=[override])
    assert text in str(info.value)


# --- limits, characters and encodings ------------------------------------------------------


def bomb(levels: int = 9) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (bomb(), "too many aliases (more than 5,000 expanded)"),
        ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "f:1:103: nested too deeply"),
        ("".join("  " * i + f"k{i}:\n" for i in range(150)), "f:100:199: nested too deeply"),
        (
            "a: &a [" + ",".join(["1"] * 2_000) + "]\nb: [" + ",".join(["*a"] * 60) + "]\n",
            "too many values (more than 100,000",
        ),
    ],
    ids=["alias_bomb", "deep_flow", "deep_block", "wide_aliases"],
)
def test_reading_is_bounded(text: str, message: str):
    with pytest.raises(ScenarioError) as info:
        yamlio.parse_text(text, "f")
    assert message in str(info.value)


def test_alias_bomb_is_reported_at_an_alias():
    with pytest.raises(ScenarioError) as info:
        yamlio.parse_text(bomb(), "f")
    (problem,) = info.value.problems
    line = bomb().splitlines()[problem.line - 1]
    assert line[problem.col - 1] == "*"
    assert problem.path.startswith("l")


def test_a_few_aliases_are_fine():
    doc = yamlio.parse_text("s: &s {type: upfront}\na: {schedule: *s}\nb: {schedule: *s}\n", "f")
    assert doc.data["a"] == doc.data["b"] == {"schedule": {"type": "upfront"}}


def test_control_characters_are_reported_where_they_are():
    with pytest.raises(ScenarioError) as info:
        yamlio.parse_text("a: 1\nb: x\x00y\x1b\n", "f")
    assert [str(p) for p in info.value.problems] == [
        "f:2:5: control character U+0000 is not allowed in YAML (remove it)",
        "f:2:7: control character U+001B is not allowed in YAML (remove it)",
    ]


TEXT = "start: 2012-01\nlabel: Crédit Agricole\n"


@pytest.mark.parametrize(
    "raw",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with a byte order mark
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf8", "utf8_bom", "utf16_bom", "utf16le", "utf16be", "utf32_bom", "crlf"],
)
def test_yaml_encodings_are_read(raw: bytes):
    assert yamlio.decode(raw, "f") == TEXT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "a: 1\nlabel: Crédit\n".encode("latin-1"),
            "f:2:10: the file is not UTF-8 (got byte 0xe9); save it as UTF-8, e.g. iconv -f latin1",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f:1:1: not a text file (got binary data"),
        (TEXT.encode("utf-16-le")[:-1], "f:2:23: the file is not valid UTF-16-LE"),
    ],
    ids=["latin1", "png", "utf16_cut"],
)
def test_undecodable_bytes_are_reported_where_they_are(raw: bytes, message: str):
    with pytest.raises(ScenarioError) as info:
        yamlio.decode(raw, "f")
    assert str(info.value).startswith(message)


# --- warnings: valid, but seldom meant -----------------------------------------------------

WARNED = """\
start: 2012-01
end: 2016-12
ventures:
  cloud: {minimum_capital: 100, deadline: 2013-01}
  infra: {minimum_capital: 50, deadline: 2013-01}
  lab: {}
partners:
  state: {pledge: 120, venture: cloud}
  orange: {label: Orange}
  sfr: {label: sfr}
  bouygues: {}
exit: {stake: buyer, buyer: orange}
policies:
  m: {type: match, funder: bouygues, venture: cloud, ratio: 0.5}
"""


def test_warnings_are_kept_on_the_scenario(tmp_path: Path):
    path = write(tmp_path, "warned.yaml", WARNED)
    warnings = [str(w) for w in load_scenario(path).warnings]
    assert warnings == [
        f"{path}:5:28: ventures.infra.minimum_capital: warning: nobody funds this venture (no "
        "pledge, policy, split or buy-out brings capital), so it collapses at its deadline for "
        "certain (pledge to it, or remove minimum_capital)",
        f"{path}:6:8: ventures.lab: warning: nobody funds this venture (no pledge, policy, "
        "split or buy-out brings capital)",
        f"{path}:9:11: partners.orange: warning: no pledge: it puts no money in (it is still a "
        "member; give pledge or pledges)",
        f"{path}:10:8: partners.sfr: warning: no pledge, and nothing refers to it: it takes no "
        "part in the run (give pledge or pledges, or remove it with null)",
    ]


def test_shipped_scenarios_have_no_warnings():
    for path in SCENARIOS:
        assert load_scenario(path).warnings == []


def test_an_exact_float_is_a_whole_number(base: Path):
    """4.0 (what a sweep's grid of counts gives) is 4; 4.5 is refused (above)."""
    schedule = (
        load_scenario(base, overrides=["partners.state.schedule.count=4.0"])
        .partners["state"]
        .schedule
    )
    assert schedule.count == 4 and type(schedule.count) is int
