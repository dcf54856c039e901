"""Benchmarks at scale: ``python -m bench.run`` prints the figures (``make bench``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure of a benchmark."""

    name: str
    value: float
    unit: str
