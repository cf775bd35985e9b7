"""Look up one code in the store: the Tabular entry with every note that applies to it."""
from __future__ import annotations

import datetime as dt
import sqlite3

from medcode.codes import candidates, clean, system_name
from medcode.data.tabular import seventh_excluded
from medcode.model import Code, Note, StoreMissing, UnknownCode
from medcode.store import connect, resolve_year

INHERITED = ("includes", "excludes1", "excludes2", "code_first", "use_additional", "code_also", "notes")


def lookup(code: object, system: str | None = None, year: int | None = None,
           date: str | dt.date | None = None) -> Code:
    """The code's entry for the fiscal year (explicit, from a date of service, or the kit's year)."""
    if code is None or not clean(code):
        raise UnknownCode("No code given: pass a code such as 'E11.22', 'e1122', '0DTJ4ZZ', 'J1100' or '99213'.")
    if len(str(code)) > 40:
        raise UnknownCode(f"{str(code)[:20]!r}... is too long to be a code.")
    fy = resolve_year(year, date)
    db = connect(fy)
    readings = candidates(code, system)
    if not readings and system_name(system) in (None, "hcpcs") and len(clean(code)) == 2:
        readings = [("hcpcs", clean(code))]  # a HCPCS Level II modifier such as LT
    if not readings:
        raise UnknownCode(f"{code!r} does not look like a code: ICD-10-CM looks like E11.22, ICD-10-PCS like "
                          "0DTJ4ZZ, HCPCS like J1100, CPT like 99213.")
    for sys_, norm in readings:
        found = READERS[sys_](db, norm, fy)
        if found:
            return found
    sys_, norm = readings[0]
    raise UnknownCode(_not_found(db, sys_, norm, fy))


def _not_found(db: sqlite3.Connection, system: str, code: str, year: int) -> str:
    msg = f"{code} is not a{'n' if system.startswith('i') else ''} {LABELS[system]} code in FY{year}."
    if system == "icd10cm":
        for n in range(len(code) - 1, 2, -1):
            stem = code[:n].rstrip(".")
            row = db.execute("SELECT id, title FROM cm_node WHERE id = ?", (stem,)).fetchone()
            if row:
                kids = [k for (k,) in db.execute("SELECT id FROM cm_node WHERE parent = ? ORDER BY seq LIMIT 8",
                                                 (stem,))]
                msg += f" The nearest code is {row[0]} ({row[1]})"
                msg += f"; choose among {', '.join(kids)}." if kids else "."
                break
    elif not db.execute(f"SELECT 1 FROM {TABLES[system]} LIMIT 1").fetchone():
        raise StoreMissing(f"{LABELS[system]} data is not in the FY{year} store. Run `medcode data fetch` "
                           "(or set MEDCODE_CMS_DIR to a folder with the official files), then `medcode data build`.")
    return msg


def _notes(db: sqlite3.Connection, node: str) -> list[tuple[str, str, str]]:
    return db.execute("SELECT kind, text, refs FROM cm_note WHERE node = ? ORDER BY seq", (node,)).fetchall()


def _cm(db: sqlite3.Connection, code: str, year: int) -> Code | None:
    row = db.execute("SELECT id, kind, title, parent, billable, chapter FROM cm_node WHERE id = ?", (code,)).fetchone()
    if row is None:
        return None
    code, kind, title, parent, billable, chapter = row
    chain, block, seventh, p = [code], "", {}, parent
    while p:
        r = db.execute("SELECT kind, parent FROM cm_node WHERE id = ?", (p,)).fetchone()
        block = p if r[0] == "block" else block
        chain.append(p)
        p = r[1]
    notes: dict[str, list[Note]] = {k: [] for k in (*INHERITED, "inclusion_terms")}
    for node in chain:
        for k, text, refs in _notes(db, node):
            if k in INHERITED or (k == "inclusion_terms" and node == code):
                notes[k].append(Note(text, tuple(refs.split()), node))
        if not seventh:
            seventh = dict(db.execute("SELECT char, meaning FROM cm_seventh WHERE node = ?", (node,)).fetchall())
    if seventh and len(code) == 7:
        seventh = {c: m for c, m in seventh.items() if not seventh_excluded(code, c)}
    children = tuple(c for (c,) in db.execute("SELECT id FROM cm_node WHERE parent = ? ORDER BY seq", (code,)))
    return Code(code, "icd10cm", title, bool(billable), parent, children,
                seventh_characters=seventh, chapter=chapter, block=block, kind=kind, year=year,
                **{k: tuple(v) for k, v in notes.items()})


def _pcs(db: sqlite3.Connection, code: str, year: int) -> Code | None:
    row = db.execute("SELECT title, tbl, row FROM pcs_code WHERE code = ?", (code,)).fetchone()
    if row is None:
        return None
    axes = []
    for pos, char in enumerate(code, 1):
        axis, label = db.execute("SELECT axis, label FROM pcs_axis WHERE tbl = ? AND row IN (0, ?) AND pos = ? "
                                 "AND value = ?", (row[1], row[2], pos, char)).fetchone()
        definition = db.execute("SELECT definition FROM pcs_definition WHERE section = ? AND pos = ? AND term = ?",
                                (code[0], pos, label)).fetchone()
        axes.append({"position": pos, "axis": axis, "value": char, "label": label,
                     "definition": definition[0] if definition else ""})
    return Code(code, "icd10pcs", row[0], True, parent=row[1], year=year, details={"axes": axes, "row": row[2]})


def _hcpcs(db: sqlite3.Connection, code: str, year: int) -> Code | None:
    row = db.execute("SELECT kind, long, short, added, effective, terminated, action FROM hcpcs WHERE code = ?",
                     (code,)).fetchone()
    if row is None:
        return None
    details = dict(zip(("kind", "long", "short", "added", "effective", "terminated", "action"), row, strict=True))
    return Code(code, "hcpcs", row[1], not row[5] and row[0] == "procedure", kind=row[0], year=year, details=details)


def _cpt(db: sqlite3.Connection, code: str, year: int) -> Code | None:
    row = db.execute("SELECT description, section, notes, source FROM cpt WHERE code = ?", (code,)).fetchone()
    if row is None:
        return None
    source = "kit wording (not the AMA descriptor)" if row[3] == "kit" else "licensed AMA CPT file"
    return Code(code, "cpt", row[0], True, year=year,
                details={"section": row[1], "notes": row[2], "description_source": source})


READERS = {"icd10cm": _cm, "icd10pcs": _pcs, "hcpcs": _hcpcs, "cpt": _cpt}
LABELS = {"icd10cm": "ICD-10-CM", "icd10pcs": "ICD-10-PCS", "hcpcs": "HCPCS Level II", "cpt": "CPT"}
TABLES = {"icd10pcs": "pcs_code", "hcpcs": "hcpcs", "cpt": "cpt"}
