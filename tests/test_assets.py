"""Widgets find their built bundles in perceptinb/static, or say in the cell how to build them."""

import pytest

from perceptinb.widgets import assets


@pytest.mark.parametrize("name", ["canvas", "dashboard"])
def test_built_bundles_are_what_the_widgets_load(name):
    from perceptinb.widgets.canvas import Canvas
    from perceptinb.widgets.dashboard_parts import DashboardHeader

    widget = {"canvas": Canvas, "dashboard": DashboardHeader}[name]
    if not (assets.STATIC / f"{name}.js").exists():
        pytest.skip("bundle not built (make js)")
    assert str(widget._esm) == (assets.STATIC / f"{name}.js").read_text()


def test_a_missing_bundle_renders_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    module = assets.esm("hub")
    assert "export default" in module and "the hub bundle is missing" in module
    assert "make js" in module
    assert assets.css("hub") == ""
    (tmp_path / "hub.js").write_text("export default {}")
    (tmp_path / "hub.css").write_text(".pnb-hub {}")
    assert assets.esm("hub") == tmp_path / "hub.js"
    assert assets.css("hub") == tmp_path / "hub.css"
