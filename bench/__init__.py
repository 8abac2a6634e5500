"""Benchmarks: `python -m bench NAME [args]` prints one JSON object per line with a side-by-side ratio."""
