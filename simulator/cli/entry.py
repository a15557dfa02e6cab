"""The `consim` process: run one command, then end with the exit code the command chose.

pyarrow's thread pools are destroyed by C++ static destructors after Python has finalised.
On a loaded machine that teardown now and then aborts the process (`terminate called
without an active exception`, exit -6; apache/arrow#34314), after every file was written
and every line printed. A script that checks `consim`'s exit code would then see a failure
that did not happen. So once Python's own shutdown work is done (other threads joined, the
exit handlers run, the streams flushed), the process ends with `os._exit`, which skips only
the native libraries' destructors: what multiprocessing does to end its children.

`main` (the click group) stays importable as it is, for `click.testing.CliRunner` and for
embedding; only the command-line entry points end the process.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

from simulator.cli.group import main


def console(args: list[str] | None = None) -> NoReturn:
    """Run `consim` with `args` (the command line when None) and end the process."""
    try:
        main.main(args=args, prog_name="consim")  # standalone mode: always SystemExit
    except SystemExit as exc:
        code = exit_code(exc.code)
    end_process(code)


def exit_code(code: object) -> int:
    """`sys.exit`'s meaning of `code`: None is 0, an integer is itself, anything else is
    printed to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def end_process(code: int) -> NoReturn:
    """Python's shutdown in the interpreter's order, then `os._exit(code)`."""
    threading._shutdown()  # joins the threads that are not daemons, as the interpreter does
    atexit._run_exitfuncs()  # logging's own shutdown among them
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the interpreter exits 120 then
            code = code or 120
    os._exit(code)
