"""A cold render in the benchmark meets what the first viewer after a save meets: every cache
of the data cleared, the caches of shipped files and pure functions kept."""

import importlib

from bench import measure


def _function(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_pure_cache_named_is_a_cache_of_the_project():
    for dotted in measure.PURE_CACHES:
        assert hasattr(_function(dotted), "cache_clear"), dotted


def test_a_cold_render_clears_the_data_caches_and_keeps_the_pure_ones():
    from services import reads
    from ui import charts, i18n

    i18n.catalog("zh")
    before = reads.bundle(1)
    chart = charts.built(("a chart",), object)
    cleared = measure.clear_caches()
    assert "services.reads._bundle" in cleared
    assert reads.bundle(1) is not before  # the reads of a data version are read again
    assert charts.built(("a chart",), object) is not chart  # the charts are built again
    assert i18n.catalog.cache_info().currsize >= 1  # the language files are not parsed again
    assert not set(cleared) & measure.PURE_CACHES
