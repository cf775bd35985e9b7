"""Shared fixtures: the built FY2026 store, and which optional official files are present."""
from __future__ import annotations

import pytest

from medcode.data.sources import discover
from medcode.store import KIT_YEAR, meta


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds (make test SLOW=false skips)")


@pytest.fixture(scope="session")
def store_meta() -> dict:
    """The kit-year store's metadata; fails with the fix when the store is not built."""
    return meta(KIT_YEAR)


@pytest.fixture(scope="session")
def found() -> dict:
    return discover()


def needs(store_meta: dict, kind: str) -> None:
    """Skip, saying what is missing, when an optional official file was not in the build."""
    if kind not in store_meta["sources"]:
        pytest.skip(f"{kind} was not in the build: set MEDCODE_CMS_DIR or run `medcode data fetch`")
