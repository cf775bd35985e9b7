"""Repo-wide pytest hooks (fixtures live in tests/conftest.py)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """Lesson outputs show Index trails: without the Alphabetic Index in the build they cannot match."""
    from medcode.store import KIT_YEAR, meta

    if "icd10cm-index" in meta(KIT_YEAR)["sources"]:
        return
    skip = pytest.mark.skip(reason="lesson outputs need the Alphabetic Index: set MEDCODE_CMS_DIR and rebuild")
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(skip)
