"""Engine: one SimPy environment per replication; knows nothing of YAML, pandas or plots."""
