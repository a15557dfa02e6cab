"""The `consim` command: parse arguments, call the API, turn errors into exit codes.

One module per group of commands; `group.py` holds the top-level group and the exit codes,
`entry.py` the process's entry point (`consim`, `python -m simulator`), which ends the
process with the exit code the command chose.
"""

from __future__ import annotations

from simulator.cli import (
    analyze,
    calibrate,
    compare,
    decide,
    demo,
    explain,
    files,
    report,
    simulate,
    tornado,
)
from simulator.cli.group import main

COMMANDS = (
    simulate.run,
    simulate.sweep,
    compare.compare,
    explain.explain,
    tornado.tornado,
    decide.solve,
    decide.value,
    calibrate.calibrate,
    analyze.analyze,
    report.report,
    files.validate,
    files.schema,
    demo.demo,
)
for command in COMMANDS:
    main.add_command(command)

__all__ = ["main"]
