"""`make bench`: cold start and per-request cost of every function (see bench/run.py)."""
