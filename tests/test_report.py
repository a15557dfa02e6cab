"""`consim report`: one self-contained HTML page of a run, a comparison and a sweep, checked
in a real headless browser (Chromium from Debian's packages, driven by Selenium): it loads
without console errors and shows every figure; the workbook holds the same tables."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_sweep import write_sweep

import simulator
from simulator.cli import main
from simulator.results.folders import foreign_entries

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
LIMIT = 5_000_000  # bytes


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A stochastic run, a comparison and a sweep, saved as the CLI saves them (without
    their PNG files: the report draws its own figures)."""
    tmp = tmp_path_factory.mktemp("reports")
    simulator.run(SCENARIOS / "atos_joins.yaml", replications=60, seed=3, progress=False).save(
        tmp / "run", plots=False
    )
    simulator.compare(
        SCENARIOS / "dassault_leaves.yaml",
        SCENARIOS / "atos_joins.yaml",
        replications=30,
        seed=1,
        progress=False,
    ).save(tmp / "compare", plots=False)
    body = (
        "parameters:\n  candidates.atos.negotiation.success: {low: 0.2, high: 0.8, steps: 2}\n"
        "  partners.thales.departure.hazard: {values: [0.0, 0.05]}\nreplications: 20\nseed: 2\n"
    )
    simulator.sweep(
        write_sweep(tmp, body), out=tmp / "sweep", executor="serial", progress=False, plots=False
    )
    return {"run": tmp / "run", "compare": tmp / "compare", "sweep": tmp / "sweep"}


@pytest.fixture(scope="module")
def pages(folders):
    """Each kind's default report, written once (on first use) and read as text."""
    made = {}

    def page(kind: str) -> str:
        if kind not in made:
            made[kind] = write(folders[kind]).read_text(encoding="utf-8")
        return made[kind]

    return page


def write(folder: Path, *args) -> Path:
    done = CliRunner().invoke(main, ["report", str(folder), *args])
    assert done.exit_code == 0, done.output
    return Path(done.output.split()[1])


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_the_page_is_self_contained_and_small(folders, kind):
    page = write(folders[kind])
    assert page == folders[kind] / "report.html"
    assert page.stat().st_size < LIMIT
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?:""", html), "a resource from the network"
    assert html.count('<img src="data:image/png;base64,') >= (3 if kind == "sweep" else 1)
    for heading in ("Assumptions", "Provenance"):
        assert f">{heading}</h2>" in html
    assert foreign_entries(folders[kind]) == []  # the folder is still wholly consim's


def test_a_run_s_report_holds_its_numbers(folders, pages):
    html = pages("run")
    r = simulator.ResultSet.load(folders["run"])
    mean = r.summary()["committed_final_mean"].iloc[0]
    assert f"{mean:,.4g}" in html
    assert "triangular 20–40–60" in html  # Atos's pledge, as the file writes it
    assert "run " in html and "Dassault Systèmes leaves: 60.0 M€ cancelled" in html
    assert r.manifest["input_hash"] in html


def test_a_comparison_s_report_says_what_each_what_if_changes(folders, pages):
    html = pages("compare")
    assert "what-ifs&#39; changes" in html or "what-ifs' changes" in html
    assert "monthly hazard" not in html  # neither seed scenario has one
    # atos_joins adds a candidate; its talks are written as a sentence, months whole
    assert 'from <span class="month">2012-01</span>, lasting triangular 2–5–12' in html
    assert "&lt; 0.001" in html  # a p-value as consim compare prints it
    for name in ("dassault_leaves", "atos_joins"):
        r = simulator.ResultSet.load(folders["compare"] / name)
        assert r.manifest["input_hash"] in html


def test_a_sweep_s_report_names_its_inputs_and_marks_them_in_the_assumptions(pages):
    html = pages("sweep")
    assert "Atos: talks succeed (probability)" in html
    assert "success swept: 0.2, 0.8" in html
    assert "committed at the end: mean" in html and "committed_final_mean" not in html


def chrome():
    """A headless Chromium driven by Selenium, or a skip saying what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("chromium and chromium-driver are not installed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=driver)
    return webdriver.Chrome(options=options, service=service)


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_the_page_opens_in_a_browser_with_every_figure_shown(folders, kind, tmp_path):
    page = write(folders[kind], "--out", str(tmp_path / f"{kind}.html"))
    browser = chrome()
    try:
        browser.get(page.as_uri())
        images = browser.execute_script(
            "return [...document.images].map(i => [i.complete, i.naturalWidth, "
            "i.getBoundingClientRect().width, getComputedStyle(i).visibility])"
        )
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(1280, min(height, 16000))
        browser.save_screenshot(str(tmp_path / f"{kind}.png"))
    finally:
        browser.quit()
    assert errors == []
    assert images and all(
        done and natural > 0 and shown > 0 and seen == "visible"
        for done, natural, shown, seen in images
    ), images
    assert (tmp_path / f"{kind}.png").stat().st_size > 10_000


def test_the_workbook_holds_the_same_tables(folders, tmp_path):
    from openpyxl import load_workbook

    book = write(folders["run"], "--format", "xlsx", "--out", str(tmp_path / "run.xlsx"))
    sheets = load_workbook(book, read_only=True)
    names = sheets.sheetnames
    for name in ("assumptions scenario", "assumptions members", "summary", "stories", "provenance"):
        assert name in names
    header, *rows = list(sheets["summary"].iter_rows(values_only=True))
    committed = next(row for row in rows if row[header.index("measure")] == "committed at the end")
    r = simulator.ResultSet.load(folders["run"])
    mean = r.summary()["committed_final_mean"].iloc[0]
    assert committed[header.index("mean")] == pytest.approx(mean)
    assert committed[header.index("unit")] == "M€"
    members = [row[0] for row in sheets["assumptions members"].iter_rows(values_only=True)]
    assert "Atos" in members and "French State" in members


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}"], "not a consim results folder"),
        (["{run}", "--out", "{run}/report.html"], "exists; choose a new file, or --force"),
        (["{run}", "--out", "{tmp}"], "a folder; give a file name for the report"),
    ],
)
def test_bad_input_is_one_line(folders, tmp_path, args, message):
    write(folders["run"])  # the default file exists
    args = [a.format(tmp=tmp_path, run=folders["run"]) for a in args]
    done = CliRunner().invoke(main, ["report", *args])
    assert done.exit_code == 2, done.output
    assert message in done.output and len(done.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["/x/simulator/__main__.py", "sweep", "s.yaml"], "consim sweep s.yaml"),
        (["/usr/bin/consim", "demo"], "consim demo"),
        (["bench/run.py", "-n", "5"], "bench/run.py -n 5"),
    ],
)
def test_the_provenance_s_command_reads_as_typed(monkeypatch, argv, command):
    from simulator.results.manifest import command_line

    monkeypatch.setattr("sys.argv", argv)
    assert command_line() == command
