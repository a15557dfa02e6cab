"""Which models the batch engine runs: the mechanisms ported so far (docs/engine.md).

A model that uses anything else runs on the per-replication engine, which gives the same
numbers by design (same streams, same equations): the choice changes speed, never results.
"""

from __future__ import annotations

from simulator.engine.model import Model


def unsupported(model: Model) -> str | None:
    """Why the batch engine cannot run `model` yet (the first mechanism it lacks), or None."""
    plan = model.plan
    checks = (
        (model.contagion, "contagion"),
        (model.budgets, "yearly envelopes"),
        (model.has_thresholds, "thresholds"),
        (plan.spending, "spending plans"),
        (any(v.loans for v in model.ventures), "loans"),
        (plan.round_negotiations, "negotiations in rounds"),
        (any(p.kind not in ("match", "raise", "top_up") for p in model.policies), "stops or caps"),
        (
            any(s.schedule.fixed is None for s in model.pledges)
            or any(p.schedule is not None and p.schedule.fixed is None for p in model.policies),
            "uncertain payment weights",
        ),
    )
    for used, what in checks:
        if used:
            return what
    return _unported_triggers(model)


def _unported_triggers(model: Model) -> str | None:
    """A buy-out on a departure beside another buy-out (a seller's departure could set it
    off within the buy-outs' own time of the month, where SimPy's order between it and the
    sellers' rivals drawing anew is not modelled), or None. Every other action on an event
    the batch engine lacks is caught above with its mechanism: thresholds (committed_below),
    stops, loans, negotiations in rounds."""
    buyouts = model.plan.buyouts
    chained = any(s.on is not None and s.on.kind == "departure" for _, s in buyouts)
    return "buy-outs on departures beside other buy-outs" if chained and len(buyouts) > 1 else None
