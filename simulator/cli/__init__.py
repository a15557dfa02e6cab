"""The `consim` command: parse arguments, call the API, turn errors into exit codes.

One module per group of commands; `group.py` holds the top-level group and the exit codes.
"""

from __future__ import annotations

from simulator.cli import demo, files, simulate
from simulator.cli.group import main

for command in (simulate.run, simulate.sweep, files.validate, files.schema, demo.demo):
    main.add_command(command)

__all__ = ["main"]
