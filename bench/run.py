"""Run every benchmark and print its figures: ``python -m bench.run [name ...]``.

A benchmark is a function in a module of this package that takes no argument and returns a list
of ``Figure``; add it to ``BENCHMARKS`` as "module:function" to have it run here.
"""

import sys
import time
from importlib import import_module

from bench import Figure

BENCHMARKS = [
    "bench.imports:voter_import",
    "bench.dashboards:dashboards",
    "bench.reports:reports",
]


def _format(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def run(names: list[str] | None = None) -> list[tuple[str, list[Figure]]]:
    results = []
    for spec in BENCHMARKS:
        module, func = spec.split(":")
        if names and func not in names and spec not in names:
            continue
        started = time.perf_counter()
        figures = getattr(import_module(module), func)()
        figures.append(Figure("benchmark wall time", time.perf_counter() - started, "s"))
        results.append((spec, figures))
    return results


def main(argv: list[str] | None = None) -> None:
    names = argv if argv is not None else sys.argv[1:]
    for spec, figures in run(names or None):
        print(f"== {spec}")
        width = max(len(f.name) for f in figures)
        for f in figures:
            print(f"  {f.name:<{width}}  {_format(f.value):>12} {f.unit}")


if __name__ == "__main__":
    main()
