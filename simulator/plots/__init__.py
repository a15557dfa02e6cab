"""Plots: tables in, matplotlib Figure out (`ax=None` accepted); they never show or save
themselves. runs.py draws one run or several side by side, sweeps.py a sweep."""
