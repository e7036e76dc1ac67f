"""Shared test setup: every test records into its own temporary hub, never the repository's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Trainings record into pnb.Hub() by default, which lives in the working directory unless
    # $PERCEPTINB_HUB says otherwise: point it at a temporary file per test.
    monkeypatch.setenv("PERCEPTINB_HUB", str(tmp_path_factory.mktemp("hub") / "hub.sqlite"))
