"""Check a set of codes against the coding rules: medcode.validate(codes, setting=..., age=..., sex=..., date=...)."""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from medcode.codes import candidates, clean, split_codes, system_name
from medcode.lookup import READERS
from medcode.model import Code
from medcode.store import connect, fiscal_year, resolve_year

SETTINGS = {"office": "office", "outpatient": "office", "emergency": "emergency", "inpatient": "inpatient",
            "ambulatory-surgery": "ambulatory-surgery", "radiology": "radiology", "lab": "lab",
            "home-health": "home-health", "other": "other"}
SEXES = {"f": "F", "female": "F", "m": "M", "male": "M", "u": "U", "unknown": "U"}


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. "excludes1"
    severity: str  # "error" | "warning" | "info"
    codes: tuple[str, ...]
    message: str  # what is wrong, why, how to fix it
    guideline: str = ""  # e.g. "ICD-10-CM I.A.12.a"

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.rule}] {self.message}"


@dataclass
class Item:
    """One code as reported: what was typed, how it reads, and its store entry (None if not found)."""

    raw: str
    position: int  # 0 = principal / first-listed
    system: str | None
    code: str
    entry: Code | None = None
    modifiers: tuple[str, ...] = ()  # "27447-RT-59" -> ("RT", "59")
    units: int | None = 1  # "97110*4" -> 4; None when the units are not a whole number >= 1


@dataclass
class Context:
    items: list[Item]
    setting: str | None
    age: int | None
    sex: str | None  # "F" | "M" | "U"
    date: dt.date | None
    year: int
    poa: list[str] | None
    db: sqlite3.Connection = field(repr=False)

    def of(self, system: str) -> list[Item]:
        """Items of one system that exist in the store, in reporting order."""
        return [i for i in self.items if i.system == system and i.entry is not None]


def _setting(value) -> str | None:
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in SETTINGS:
        raise ValueError(f"Unknown setting {value!r}: use one of {', '.join(sorted(set(SETTINGS)))}.")
    return SETTINGS[key]


def _sex(value) -> str | None:
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in SEXES:
        raise ValueError(f"Unknown sex {value!r}: use 'F', 'M' or 'U' (unknown).")
    return SEXES[key]


def _age(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Age {value!r} is not a number of years.")
    try:
        age = int(float(value))
    except ValueError:
        raise ValueError(f"Age {value!r} is not a number of years (0 = newborn).") from None
    if not 0 <= age <= 124:
        raise ValueError(f"Age {value!r} is outside 0-124 years (0 = newborn).")
    return age


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    fiscal_year(value)  # raises a clear ValueError for a malformed date
    return dt.date.fromisoformat(str(value).strip()[:10])


def _poa(value, n: int) -> list[str] | None:
    if value is None:
        return None
    flags = split_codes(value) if isinstance(value, str) and len(value) != n else list(value)
    return [clean(f) for f in flags]


def service_line(raw: str) -> tuple[str, tuple[str, ...], int | None, bool]:
    """A service line as typed: CODE, then -MODIFIER for each modifier, then *UNITS ("27447-RT*1").

    Returns (code, modifiers, units, has_units); units is None when "*N" is not a whole number >= 1."""
    text, star, count = clean(raw).partition("*")
    code, *mods = text.rstrip("-").split("-")
    units = int(count) if count.isascii() and count.isdigit() and int(count) > 0 else None
    return code, tuple(mods), units if star else 1, bool(star)


def read_items(codes, system: str | None, db: sqlite3.Connection, year: int) -> list[Item]:
    items = []
    for pos, raw in enumerate(split_codes(codes)):
        base, mods, units, has_units = service_line(raw)
        suffixed = bool(mods or has_units)  # a claim line: read CPT/HCPCS first
        readings = (sorted(candidates(base, system), key=lambda r: r[0] not in ("cpt", "hcpcs")) if suffixed
                    else candidates(raw, system))
        if not readings and system_name(system) in (None, "hcpcs") and len(clean(raw)) == 2:
            readings = [("hcpcs", clean(raw))]
        found = None
        for sys_, code in readings:
            entry = READERS[sys_](db, code, year)
            if entry:
                found = Item(raw, pos, sys_, code, entry)
                break
        if found is None:
            sys_, code = readings[0] if readings else (None, clean(raw))
            found = Item(raw, pos, sys_, code)
        found.modifiers, found.units = mods, units
        items.append(found)
    return items


def validate(codes, setting=None, age=None, sex=None, date=None, poa=None, system=None) -> list[Finding]:
    """Findings for codes in reporting order (first = principal / first-listed), most severe first."""
    from medcode.rules import RULES

    system = system_name(system)
    date = _date(date)
    year = resolve_year(None, date)
    db = connect(year)
    items = read_items(codes, system, db, year)
    ctx = Context(items, _setting(setting), _age(age), _sex(sex), date, year, _poa(poa, len(items)), db)
    findings = [f for rule in RULES for f in rule(ctx)]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])
