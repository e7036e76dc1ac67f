"""The real-world corpus (tests/corpus): every model is held to the rule in `corpus.checks`.

The fast subset runs in `make test`; the whole corpus is marked slow and runs in `make bench`
(with `benchmarks/corpus.py` printing the table).
"""

from __future__ import annotations

import pytest
from corpus import entries
from corpus.checks import CHECKS, run
from corpus.entry import Entry

ENTRIES = entries()


def _ids(entry: Entry) -> str:
    return entry.name


def assert_rule(entry: Entry) -> None:
    result = run(entry)
    if entry.gap is not None:
        assert not result.ok, f"{entry.name} passes now: remove its gap ({entry.gap})"
        message = result.refused or result.failures()
        assert f"'{entry.gap_block}'" in message, message
        return
    if result.refused is not None:
        assert not result.keras_rebuilds, f"Keras rebuilds it, perceptinb refused: {result.refused}"
        assert result.checks["import"] is None, result.checks["import"]
        assert result.live in (None, "no graph"), result.live
        return
    assert result.ok, result.failures()
    assert set(result.checks) == set(CHECKS)


def test_the_corpus_is_large_and_comes_from_three_sources() -> None:
    names = [e.name for e in ENTRIES]
    assert len(names) == len(set(names)) >= 40
    sources = {e.source.split("/")[3] for e in ENTRIES if e.source.startswith("https://keras.io")}
    assert {"examples", "api", "keras_hub"} <= sources, sources
    assert sum(e.fast for e in ENTRIES) >= 10


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.fast], ids=_ids)
def test_fast_corpus(entry: Entry) -> None:
    assert_rule(entry)


@pytest.mark.slow
@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e.fast], ids=_ids)
def test_whole_corpus(entry: Entry) -> None:
    assert_rule(entry)
