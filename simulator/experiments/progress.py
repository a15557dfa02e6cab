"""Progress bars (tqdm: a text bar in a terminal, a widget in a notebook)."""

from __future__ import annotations


def progress_bar(
    total: int, name: str | None, enabled: bool = True, minimum: int = 0, initial: int = 0
):
    """A tqdm bar counting replications, with rate and ETA; silent for short or non-TTY runs."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=name or "replications",
        unit="rep",
        unit_scale=True,
        dynamic_ncols=True,
        smoothing=0.1,
        disable=None,  # None: off when the output is not a terminal (or a notebook)
        leave=False,
    )
