"""Data shipped with GainGrid: the exercise catalog and the demo-data generator."""
