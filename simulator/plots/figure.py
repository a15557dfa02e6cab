"""The Figure every plot returns: matplotlib's, never registered with pyplot (nothing leaks
into a notebook's state, no GUI backend is needed), which a notebook displays as a PNG
without `%matplotlib inline` or a pyplot import."""

from __future__ import annotations

import io

from matplotlib.figure import Figure as MatplotlibFigure

DISPLAY_DPI = 90


class Figure(MatplotlibFigure):
    def _repr_png_(self) -> bytes:
        """What IPython shows for a figure that is a cell's value."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DISPLAY_DPI, bbox_inches="tight")
        return buffer.getvalue()
