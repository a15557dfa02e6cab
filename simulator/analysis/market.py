"""Moved to simulator.scenario.market (the market projection belongs to the scenario stage)."""

from simulator.scenario.market import market_series as market_series
