"""The catalog is the one source of layer categories and their display order."""

from perceptinb.catalog import _CATEGORY_BY_PACKAGE, CATEGORIES, category_of, palette_entries


def test_palette_comes_in_the_one_display_order() -> None:
    entries = palette_entries()
    ranks = [CATEGORIES.index(e["category"]) for e in entries]
    assert ranks == sorted(ranks), "the canvas keeps this order: it must be the display order"
    shown = list(dict.fromkeys(e["category"] for e in entries))
    assert shown[:3] == ["input", "core", "convolution"]
    for category in shown:  # within a category: alphabetical
        names = [e["type"] for e in entries if e["category"] == category]
        assert names == sorted(names)


def test_every_category_the_kernel_names_has_a_place_in_the_order() -> None:
    assert set(_CATEGORY_BY_PACKAGE.values()) <= set(CATEGORIES)
    assert {category_of("InputLayer"), category_of("Sequential"), category_of("Nope")} <= set(
        CATEGORIES
    )
