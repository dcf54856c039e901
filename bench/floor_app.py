"""The floor app: draws a recorded page again from its precomputed arguments (bench/floor.py)."""

from bench.floor import replay

replay()
