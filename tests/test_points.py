"""Per-point summaries: the vectorised statistics equal pandas' group by group."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis.points import summarize_points


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), points=st.integers(1, 6), seed=st.integers(0, 10**6))
def test_summary_equals_pandas_groupby(n, points, seed):
    rng = np.random.default_rng(seed)
    o = pd.DataFrame(
        {
            "point": rng.integers(0, points, n),
            "venture": pd.Categorical(rng.choice(["a", "b"], n)),
            "collapsed": rng.random(n) < 0.3,
            "committed_final": np.round(rng.normal(100, 30, n), 1),  # ties too
        }
    )
    design = pd.DataFrame({"point": range(points), "x": np.arange(points) * 1.5})
    s = summarize_points(o, design).set_index(["point", "venture"])
    g = o.assign(venture=o["venture"].astype(str)).groupby(["point", "venture"])
    c = g["committed_final"]
    np.testing.assert_array_equal(s["replications"], g.size())
    np.testing.assert_allclose(s["p_collapse"], g["collapsed"].mean())
    np.testing.assert_allclose(s["committed_final_mean"], c.mean())
    np.testing.assert_allclose(s["committed_final_std"], c.std(), equal_nan=True)
    for level in (0.05, 0.5, 0.95):
        column = f"committed_final_q{round(level * 100):02d}"
        np.testing.assert_allclose(s[column], c.quantile(level))
    assert (s["x"] == s.index.get_level_values("point") * 1.5).all()


def test_split_and_absorbed_probabilities_from_ended():
    o = pd.DataFrame(
        {
            "point": [0, 0, 0, 0, 1, 1],
            "venture": pd.Categorical(["a"] * 6),
            "ended": pd.Categorical(["split", "", "absorbed", "split", "", "collapsed"]),
        }
    )
    s = summarize_points(o, pd.DataFrame({"point": [0, 1]})).set_index("point")
    assert s["p_split"].tolist() == [0.5, 0.0]
    assert s["p_absorbed"].tolist() == [0.25, 0.0]
    assert "p_collapse" not in s  # only from the `collapsed` column, not kept here
