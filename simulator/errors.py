"""Errors a user can act on: each names where the problem is and what was given."""

from __future__ import annotations

from dataclasses import dataclass


class ConsimError(Exception):
    """Base of every error consim reports to a user (exit code 2 on the command line).

    >>> from simulator import ConsimError, run
    >>> try:
    ...     run("no/such/file.yaml")
    ... except ConsimError as mistake:
    ...     print(mistake)
    no/such/file.yaml: file not found
    """

    def _render_traceback_(self) -> list[str]:
        """What a notebook shows: the message, not a traceback through consim's insides."""
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file: location, key path and a message; a warning does not
    stop the run and is shown as `FILE:LINE:COL: key.path: warning: message`."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


class ScenarioError(ConsimError):
    """A scenario (or sweep) file is invalid; holds every problem found in it.

    >>> from simulator import ScenarioError, load_scenario
    >>> plan = load_scenario("scenarios/andromede_plan.yaml")
    >>> try:
    ...     plan.with_changes({"partners.state.pledge": -1})
    ... except ScenarioError as mistake:
    ...     print(mistake.problems[0].path)
    partners.state.pledge
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputExistsError(ConsimError):
    """The output directory already holds results and --force was not given."""
