"""`python -m simulator` is the `consim` command."""

from simulator.cli import main

main(prog_name="consim")
