"""Live what-if controls for notebooks: a slider per key path; each change runs the changed
scenario (`with_changes`, the same seed: common random numbers, so a move of the slider
is the effect of the input, not luck) and redraws the capital against the market with
the summary and its intervals."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

from simulator.errors import ConsimError, ScenarioError
from simulator.experiments.run import run
from simulator.plots.display import run_lines, run_table
from simulator.plots.runs import plot_against_market
from simulator.scenario.load import load_scenario
from simulator.scenario.types import month_label

DPI = 72
STEPS = 100  # a slider's steps over its range
PROBABILITIES = {"success", "probability", "share", "round_failure", "min_share"}


@dataclass
class Explorer:
    """The scenario, the inputs under control and the last run (`results`), with the
    seconds the last update took (`seconds`: run, figure)."""

    scenario: object
    params: dict  # key path → (low, high) or a list of months
    replications: int
    seed: int
    values: dict = field(default_factory=dict)
    results: object = None
    png: bytes = b""
    seconds: dict = field(default_factory=dict)
    _positions: list | None = None

    def update(self, **changes) -> object:
        """Run with these values (keyword: the key path with `__` for dots, or pass a
        dict as `update(**{"partners.state.pledge": 195})`) and redraw."""
        self.values.update({k.replace("__", "."): v for k, v in changes.items()})
        began = time.perf_counter()
        variant = self.scenario.with_changes(self.values)
        self.results = run(variant, self.replications, self.seed, progress=False)
        ran = time.perf_counter()
        self.png = self._draw()
        self.seconds = {"run": ran - began, "figure": time.perf_counter() - ran}
        return self.results

    def _draw(self) -> bytes:
        """The figure as PNG; the layout is worked out once, then kept (half the time)."""
        fig = plot_against_market(self.results)
        if self._positions is not None and len(self._positions) == len(fig.axes):
            fig.set_layout_engine("none")
            for ax, box in zip(fig.axes, self._positions, strict=True):
                ax.set_position(box)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        self._positions = [ax.get_position() for ax in fig.axes]
        return buffer.getvalue()

    def summary_html(self) -> str:
        lines = "".join(f"<div>{line}</div>" for line in run_lines(self.results))
        table = run_table(self.results).to_html(index=False, float_format=lambda v: f"{v:,.4g}")
        return lines + table

    def widget(self):
        """Sliders, the figure and the summary (ipywidgets)."""
        import ipywidgets as w

        image, summary = w.Image(value=self.png, format="png"), w.HTML(self.summary_html())
        note = w.HTML()
        sliders = [_slider(w, key, span, self.values[key]) for key, span in self.params.items()]

        def changed(_):
            try:
                self.update(**{s.tooltip: s.value for s in sliders})
            except ScenarioError as exc:
                note.value = f"<pre>{exc}</pre>"
                return
            image.value, summary.value = self.png, self.summary_html()
            note.value = f"<small>{self.seconds['run'] + self.seconds['figure']:.2f} s</small>"

        for s in sliders:
            s.observe(changed, names="value")
        return w.VBox([*sliders, note, w.HBox([image, summary])])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())


def explore(
    scenario,
    params: list[str] | dict,
    replications: int = 1000,
    seed: int = 2011,
) -> Explorer:
    """Sliders over key paths of a scenario (a path, text or Scenario), redrawing the
    capital against the market and the summary on each change. `params`: key paths (ranges
    from the scenario's values) or {path: (low, high)}; a month takes the horizon's months.

    >>> from simulator import explore
    >>> e = explore("scenarios/atos_joins.yaml", ["partners.state.pledge"], replications=50)
    >>> round(e.update(**{"partners.state.pledge": 195}).outcomes["committed_final"].min())
    285
    """
    scenario = scenario if hasattr(scenario, "with_changes") else load_scenario(scenario)
    spans = params if isinstance(params, dict) else dict.fromkeys(params)
    explorer = Explorer(scenario, {}, replications, seed)
    for key, span in spans.items():
        value = _value_at(scenario.source, key)
        explorer.values[key] = value
        explorer.params[key] = span if span is not None else _default_span(scenario, key, value)
    explorer.update()
    return explorer


def _value_at(data: dict, key: str):
    node = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConsimError(f"explore: {key}: not a value of the scenario (no {part!r} there)")
        node = node[part]
    if isinstance(node, dict | list):
        raise ConsimError(f"explore: {key}: a mapping, not a number (name one of its keys)")
    return node


def _default_span(scenario, key: str, value):
    if isinstance(value, str):  # a month: every month of the horizon
        return [month_label(m) for m in range(scenario.start, scenario.end + 1)]
    *parent, last = key.split(".")
    siblings = _value_at_parent(scenario.source, parent)
    if last in ("mode", "median") and "low" in siblings and "high" in siblings:
        return (float(siblings["low"]), float(siblings["high"]))  # within its distribution
    if last in PROBABILITIES:
        return (0.0, 1.0)
    if last.endswith("hazard"):
        return (0.0, max(0.05, 3 * float(value)))
    return (0.0, max(1.0, 2 * float(value)))


def _value_at_parent(data: dict, parts: list[str]) -> dict:
    for part in parts:
        data = data.get(part, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}


def _slider(w, key: str, span, value):
    label = key.split(".", 1)[1] if key.count(".") > 1 else key
    style = {"description_width": "initial"}
    layout = w.Layout(width="520px")
    if isinstance(span, list):
        s = w.SelectionSlider(
            options=span,
            value=value,
            description=label,
            style=style,
            layout=layout,
            continuous_update=False,
        )
    else:
        low, high = span
        s = w.FloatSlider(
            value=float(value),
            min=low,
            max=high,
            step=(high - low) / STEPS,
            description=label,
            style=style,
            layout=layout,
            continuous_update=False,
        )
    s.tooltip = key
    return s
