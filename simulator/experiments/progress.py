"""Progress bars (tqdm: a text bar in a terminal, a widget in a notebook)."""

from __future__ import annotations


def progress_bar(
    total: int, name: str | None, enabled: bool = True, minimum: int = 0, initial: int = 0
):
    """A tqdm bar counting replications, with rate and ETA. Off when not `enabled`, for runs
    of fewer than `minimum` replications, and where nobody can see it (output not a
    terminal and not a notebook)."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=name or "replications",
        unit="rep",
        unit_scale=True,
        dynamic_ncols=True,
        smoothing=0.1,
        # None: tqdm decides (off when the output is not a terminal; on in a notebook).
        disable=None if enabled and total >= minimum else True,
        leave=False,
    )
