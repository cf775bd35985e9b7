"""Open the compiled code-set store for a fiscal year: read-only, lazily, once per process."""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading

from medcode.data.paths import store_path
from medcode.model import StoreMissing

KIT_YEAR = 2026  # the fiscal year the kit's cases and lessons are written for
_lock = threading.Lock()
_open: dict[int, sqlite3.Connection] = {}


def fiscal_year(date: str | dt.date) -> int:
    """The ICD-10 fiscal year in effect on a date (1 Oct - 30 Sep): 2026-03-02 -> 2026."""
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip()[:10])
        except ValueError:
            raise ValueError(f"{date!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02.") from None
    if not isinstance(date, dt.date):
        raise ValueError(f"{date!r} is not a date: pass 'YYYY-MM-DD' or a datetime.date.")
    return date.year + 1 if date.month >= 10 else date.year


def default_year() -> int:
    return int(os.environ.get("MEDCODE_YEAR") or KIT_YEAR)


def resolve_year(year: int | str | None = None, date: str | dt.date | None = None) -> int:
    """Explicit year, else the year of the date, else the kit's year."""
    if year is not None:
        try:
            return int(str(year).upper().removeprefix("FY"))
        except ValueError:
            raise ValueError(f"{year!r} is not a fiscal year: write it like 2026.") from None
    return fiscal_year(date) if date is not None else default_year()


def connect(year: int | None = None) -> sqlite3.Connection:
    """The read-only connection to a fiscal year's store (opened on first use)."""
    year = default_year() if year is None else year
    db = _open.get(year)
    if db is not None:
        return db
    with _lock:
        if year not in _open:
            path = store_path(year)
            if not path.exists():
                raise StoreMissing(
                    f"The FY{year} code-set store is not built yet ({path.name}). Build it with "
                    f"`make setup` or `medcode data build --year {year}`; see `medcode data info`.")
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            _open[year] = db
    return _open[year]


def meta(year: int | None = None) -> dict:
    return {k: json.loads(v) for k, v in connect(year).execute("SELECT key, value FROM meta")}


def available_years() -> list[int]:
    from medcode.data.paths import store_dir

    return sorted(int(p.stem[2:]) for p in store_dir().glob("fy*.sqlite") if p.stem[2:].isdigit())
