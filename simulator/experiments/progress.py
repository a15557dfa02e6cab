"""Progress bars: tqdm's text bar in a terminal; in a notebook, a widget that gives way
to one line of what was done when it closes (a saved notebook then shows "5,000 runs in
2.1 s", not a bar frozen at 0 %)."""

from __future__ import annotations

import sys
import time

COMPILING = (
    "consim: compiling the batch engine for this machine first: about a minute, once "
    "(later runs load it from its cache)"
)


def progress_bar(
    total: int,
    name: str | None,
    enabled: bool = True,
    minimum: int = 0,
    initial: int = 0,
    unit: str = "rep",
    compiling: bool = False,
):
    """A bar counting replications (or another `unit`), with rate and time left. Off when
    not `enabled`, for runs of fewer than `minimum` replications, and where nobody can see
    it (output neither a terminal nor a notebook). `compiling`: the work starts by
    compiling the batch engine (simulate.compiles_first), which one line says first, so
    that a bar at 0 % for a minute does not look stuck."""
    on = enabled and total >= minimum
    notebook = on and _in_notebook()
    if compiling and (notebook or (on and sys.stderr.isatty())):
        print(COMPILING, file=sys.stderr, flush=True)
    if notebook:
        return NotebookBar(total, name or "replications", initial, "run" if unit == "rep" else unit)
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=name or "replications",
        unit=unit,
        unit_scale=True,
        dynamic_ncols=True,
        smoothing=0.1,
        disable=None if on else True,  # None: tqdm decides (off when not a terminal)
        leave=False,
    )


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class NotebookBar:
    """An ipywidgets progress bar in a display slot that its last line replaces."""

    def __init__(self, total: int, name: str, initial: int = 0, unit: str = "run"):
        import ipywidgets as w
        from IPython.display import display

        self.total, self.name, self.n, self.unit = total, name, initial, unit
        self.began = time.perf_counter()
        self.bar = w.IntProgress(value=initial, max=max(1, total), description=name)
        self.label = w.HTML()
        self.slot = display(w.HBox([self.bar, self.label]), display_id=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        self.bar.value = min(self.n, self.total)
        seconds = time.perf_counter() - self.began
        rate = self.n / seconds if seconds > 0 else 0.0
        left = (self.total - self.n) / rate if rate > 0 else 0.0
        done = f"{self.n:,}/{self.total:,} {self.unit}s"
        self.label.value = f"{done}, {rate:,.0f}/s, {left:.0f} s left"

    def close(self) -> None:
        seconds = time.perf_counter() - self.began
        done = "" if self.n >= self.total else f" (stopped at {self.n:,} of {self.total:,})"
        self.bar.close()
        self.label.close()
        self.slot.update(Line(f"{self.name}: {self.n:,} {self.unit}s in {seconds:.1f} s{done}"))

    def __enter__(self) -> NotebookBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Line:
    """One line of text for a notebook's output, as Markdown (in italics) or plain text."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return f"*{self.text}*"

    def __repr__(self) -> str:
        return self.text
