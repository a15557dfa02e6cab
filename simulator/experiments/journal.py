"""The folder of a search (`consim solve`, `consim value`): every setting's evaluation is
appended to `evaluations.jsonl` as soon as it is done, so that `--resume` after an
interruption reuses them all and the search takes the same steps to the same answer.

    manifest.json        status "running" until the final files are written, then "complete"
    evaluations.jsonl    one line per setting evaluated: its key, then its figures
    (final files)        tables and figures the search writes when it ends

The folder is locked while written (results/folders.py); one that holds a different search
is refused (its manifest's `spec` differs), and `--force` replaces only a consim folder.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from simulator.errors import OutputExistsError
from simulator.experiments.parts import atomic_write
from simulator.results.folders import check_replaceable, locked, output_path
from simulator.results.manifest import labels_of, provenance
from simulator.scenario.load import scenario_hash
from simulator.scenario.types import month_label

LINES = "evaluations.jsonl"


class Journal:
    """Evaluations by key (a JSON-able tuple), read from the folder and appended to it.
    `folder` None keeps them in memory only (a search from Python that saves nothing)."""

    def __init__(self, folder: str | Path | None, manifest: dict, resume: bool, force: bool):
        self.folder = None if folder is None else output_path(folder)
        self.manifest, self.resume, self.force = manifest, resume, force
        self.records: dict[str, dict] = {}
        self.reused = 0
        self._stack = ExitStack()

    def __enter__(self) -> Journal:
        if self.folder is None:
            return self
        self._stack.enter_context(locked(self.folder))
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def _open(self) -> None:
        previous = self._previous()
        if self.resume:
            if previous is None:
                raise OutputExistsError(
                    f"{self.folder}: nothing to resume (no search of this kind was started "
                    "there); run without --resume"
                )
            if previous.get("spec") != self.manifest["spec"]:
                raise OutputExistsError(
                    f"{self.folder}: holds another search (a different scenario, levers, "
                    "target, seed or replications); use --force to replace it, or --out"
                )
            self._read()
        else:
            check_replaceable(self.folder, self.force, "--resume to finish it, ")
            if self.folder.exists():
                for entry in self.folder.iterdir():
                    entry.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write_manifest("running")

    def _previous(self) -> dict | None:
        path = self.folder / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if data.get("kind") == self.manifest["kind"] else None

    def _read(self) -> None:
        path = self.folder / LINES
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                key, record = json.loads(line)
            except ValueError:  # a line cut short by a kill: evaluated again
                continue
            self.records[key] = record
        self.reused = len(self.records)

    def get(self, key) -> dict | None:
        return self.records.get(json.dumps(key))

    def add(self, key, record: dict) -> None:
        text = json.dumps(key)
        self.records[text] = record
        if self.folder is not None:
            with open(self.folder / LINES, "a", encoding="utf-8") as f:
                # Written at once (closed): a killed process keeps every whole line. Not
                # fsynced, as the sweep's parts are not: 4,096 fsyncs took 0.95 s here.
                f.write(json.dumps([text, record]) + "\n")

    def write_manifest(self, status: str, **more) -> None:
        if self.folder is None:
            return
        data = {**self.manifest, **more, "status": status, **provenance()}
        atomic_write(
            self.folder / "manifest.json",
            lambda p: p.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8"),
        )

    def write(self, name: str, writer) -> None:
        """A final file, written whole under a temporary name then renamed."""
        if self.folder is not None:
            atomic_write(self.folder / name, writer)


def search_manifest(kind: str, base, spec: dict, stochastic: bool) -> dict:
    """A search's manifest: the scenario it moves (`base`), then `spec`, everything that
    defines its result (a folder resumes only when its spec is equal), which it holds with
    the scenario's hash added."""
    spec = {"scenario": scenario_hash(base), **spec}
    return {
        "kind": kind,
        "scenario": base.name,
        "title": base.title,
        "unit": base.unit,
        "files": base.files,
        "start": month_label(base.start),
        "labels": labels_of(base),
        **{k: v for k, v in spec.items() if k != "scenario"},
        "stochastic": stochastic,
        "input_hash": spec["scenario"],
        "resolved_scenario": base.source,
        "spec": spec,
    }
