"""`python -m simulator` is the `consim` command."""

from simulator.cli.entry import console

console()
