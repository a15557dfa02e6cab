"""Design expansion: pure functions from a sweep spec to design points."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.experiments.design import expand, from_unit
from simulator.experiments.spec import Range, Sweep, Values, design_size


def spec(parameters: dict, **design) -> Sweep:
    return Sweep.model_validate(
        {"scenario": "base.yaml", "parameters": parameters, "design": design, "seed": 3}
    )


def test_grid_is_the_cartesian_product_in_file_order():
    d = expand(
        spec({"a": {"low": 0, "high": 1, "steps": 3}, "b": {"values": ["x", "y"]}}, type="grid")
    )
    assert list(d.columns) == ["point", "a", "b"]
    assert d["point"].tolist() == list(range(6))
    assert list(zip(d["a"], d["b"], strict=True)) == [
        (0.0, "x"),
        (0.0, "y"),
        (0.5, "x"),
        (0.5, "y"),
        (1.0, "x"),
        (1.0, "y"),
    ]


def test_integer_range_rounds():
    d = expand(spec({"a": {"low": 1, "high": 10, "steps": 4, "integer": True}}))
    assert d["a"].tolist() == [1, 4, 7, 10]


@pytest.mark.parametrize(
    ("kind", "samples", "rows"),
    [("lhs", 20, 20), ("sobol", 8, 8 * (2 + 2)), ("morris", 5, 5 * (2 + 1))],
)
def test_sampling_designs_have_the_salib_sizes_and_stay_in_range(kind, samples, rows):
    s = spec({"a": {"low": 10, "high": 20}, "b": {"values": [1, 2, 3]}}, type=kind, samples=samples)
    d = expand(s)
    assert len(d) == rows
    assert d["a"].between(10, 20).all()
    assert set(d["b"]) <= {1, 2, 3}
    assert d.equals(expand(s)), "the same seed gives the same design"


def test_latin_hypercube_puts_one_point_in_each_stratum():
    d = expand(
        spec({"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}}, type="lhs", samples=10)
    )
    for column in ("a", "b"):
        strata = np.floor(d[column].to_numpy() * 10).astype(int)
        assert sorted(strata) == list(range(10))


def test_values_are_picked_by_equal_slices_of_the_unit_interval():
    v = Values(values=[1, 2, 3, 4])
    assert [from_unit(v, u) for u in (0.0, 0.24, 0.25, 0.74, 0.99, 1.0)] == [1, 1, 2, 3, 4, 4]
    assert from_unit(Range(low=2, high=4), 0.25) == 2.5


@pytest.mark.parametrize(
    "design",
    [
        {"type": "grid"},
        {"type": "lhs", "samples": 7},
        {"type": "sobol", "samples": 8},
        {"type": "sobol", "samples": 8, "second_order": True},
        {"type": "morris", "samples": 5, "levels": 4},
    ],
)
@pytest.mark.parametrize("dims", [2, 3])
def test_the_design_size_is_counted_without_expanding(design, dims):
    """design_size (checked against the limits before anything is expanded) agrees with
    the number of points SALib and the grid actually give."""
    parameters = {f"p{i}": {"low": 0, "high": 1, "steps": 2 + i} for i in range(dims - 1)}
    parameters["v"] = {"values": ["x", "y", "z"]}
    s = spec(parameters, **design)
    assert design_size(s) == len(expand(s))
