"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_examples() -> Path:
    folder = SHARED / "examples"
    if not folder.is_dir():
        pytest.skip("../shared/examples is not next to this checkout")
    return folder
