"""Where the compiled store and fetched official files live."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent
SOURCE_DATA = REPO_DIR / "source_data"


def store_dir() -> Path:
    """Folder holding one SQLite file per fiscal year ($MEDCODE_STORE_DIR or medcode/store/)."""
    return Path(os.environ.get("MEDCODE_STORE_DIR") or PACKAGE_DIR / "store")


def fetch_dir() -> Path:
    """Folder that `medcode data fetch` downloads official releases into."""
    return Path(os.environ.get("MEDCODE_FETCH_DIR") or REPO_DIR / ".cms-cache")


def store_path(year: int) -> Path:
    return store_dir() / f"fy{year}.sqlite"
