"""Procedure rules (PCS tables, HCPCS, CPT, modifiers, NCCI PTP, MUE); a claim line is CODE[-MOD...][*UNITS]."""
from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from medcode.codes import HCPCS_SHAPE, PCS_SHAPE
from medcode.data.paths import SOURCE_DATA
from medcode.data.sources import cms_dirs
from medcode.validate import Context, Finding, Item, service_line

# Claim-line syntax: a modifier is attached to its code with a hyphen ("27447-RT"; several: "11042-59-XS"); units
# come last after a star ("97110*4", "27447-RT*1"; none = 1 unit). Lines are split on spaces, commas, semicolons.
SYNTAX = 'write a claim line as CODE-MOD-MOD*UNITS, e.g. "27447-RT*1" or "97110*4"'
MODIFIER = re.compile(r"[0-9A-Z]{2}")
PTP_ROW = re.compile(r"[0-9A-Z]{5}\|[0-9A-Z]{5}\|[^|]*\|\d{8}\|(\d{8}|\*)?")  # column 1 to deletion date
SAMPLE_PTP, SAMPLE_NOTE = SOURCE_DATA / "ncci" / "ptp_sample.csv", " (teaching sample, not CMS data)"
PTP_GUIDE = "NCCI Policy Manual, Chapter I"
BILATERAL_GUIDE = "Medicare Claims Processing Manual, Ch. 12, 40.7 (bilateral surgery); HCPCS modifiers LT, RT"
ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", 6: "6th", 7: "7th"}
# CPT modifiers the kit knows, in the kit's own words (the CPT book's Appendix A governs).
CPT_MODIFIERS = {
    "25": "significant, separately identifiable E/M visit on the same day as a procedure or other service",
    "59": "distinct procedural service: another session, site, incision or injury", "26": "professional component only",
    "50": "bilateral: both sides, same session", "22": "increased work", "23": "unusual anesthesia",
    "24": "unrelated postop E/M", "27": "another hospital outpatient E/M", "32": "mandated service", "33": "preventive",
    "47": "anesthesia by the surgeon", "51": "multiple procedures", "52": "reduced service", "53": "discontinued",
    "54": "surgical care only", "55": "postop care only", "56": "preop care only", "57": "decision for surgery",
    "58": "staged or related procedure", "62": "two surgeons", "63": "infant under 4 kg", "66": "surgical team",
    "76": "repeat, same physician", "77": "repeat, other physician", "78": "unplanned return to the OR",
    "99": "several", "79": "unrelated postop procedure", "80": "assistant surgeon", "81": "minimal assistant",
    "90": "outside lab", "82": "assistant, no resident", "91": "repeat lab test", "92": "single-use lab kit",
    "93": "audio-only telemedicine", "95": "video telemedicine", "96": "habilitative", "97": "rehabilitative",
    "1P": "measure exclusion: medical", "2P": "measure exclusion: patient", "3P": "measure exclusion: system",
    "8P": "measure action not done"}
X_MODIFIERS = {"XE", "XP", "XS", "XU"}
NCCI_BYPASS = {"59", *X_MODIFIERS, "24", "25", "27", "57", "58", "78", "79", "91"}  # NCCI-associated, either line
ANATOMIC = {"LT", "RT", "LC", "LD", "LM", "RC", "RI", "FA", "TA", *(f"E{i}" for i in range(1, 5)),
            *(f"F{i}" for i in range(1, 10)), *(f"T{i}" for i in range(1, 10))}  # bypass only when sites differ
MAI = {"1": "MAI 1: per line; more units go on another line with a modifier", "2": "MAI 2: per day, a policy limit",
       "3": "MAI 3: per day, a clinical limit that an appeal with records of medical need may lift"}


@dataclass(frozen=True)
class Line:
    """One claim line: the item as typed, its base code (upper-case, no suffixes) read alone, modifiers, units."""
    item: Item
    base: str
    system: str | None
    code: str
    found: bool  # the code is in the store
    mods: tuple[str, ...]
    units: int | None  # None when the "*N" part is not a whole number of 1 or more
    procedure: bool  # a five-character CPT or HCPCS Level II code


def _lines(ctx: Context) -> list[Line]:
    """Each item as a claim line (validate.read_items has already read "27447-RT*1" CPT/HCPCS first)."""
    return [Line(i, service_line(i.raw)[0], i.system, i.code, i.entry is not None, i.modifiers, i.units,
                 i.system in ("cpt", "hcpcs") and len(i.code) == 5) for i in ctx.items]


def _dos(ctx: Context) -> tuple[str, str]:
    """The date codes must be active on (ISO), and how to name it in a message."""
    day = ctx.date or dt.date(ctx.year - 1, 10, 1)
    return day.isoformat(), f"the date of service {day}" if ctx.date else f"{day}, the start of FY{ctx.year}"


def claim_line(ctx: Context) -> Iterable[Finding]:
    """Claim lines must follow CODE-MOD*UNITS: modifiers attached, units a whole number, both on CPT/HCPCS only."""
    for ln in _lines(ctx):
        raw, bad = ln.item.raw, [m for m in ln.mods if not MODIFIER.fullmatch(m)]
        if ln.system == "hcpcs" and MODIFIER.fullmatch(ln.code) and not ln.mods:
            msg = f"{raw} stands alone, so the kit cannot tell which code it modifies: attach it with a hyphen"
        elif bad:
            msg = f"{raw}: {', '.join(repr(m) for m in bad)} is not a modifier: modifiers are two characters"
        elif ln.units is None:
            msg = f"{raw}: the units after '*' must be a whole number of 1 or more"
        elif (ln.mods or "*" in raw) and ln.system in ("icd10cm", "icd10pcs"):
            msg = f"{raw}: modifiers and units belong on CPT or HCPCS lines, not on ICD-10 codes"
        else:
            continue
        yield Finding("claim_line", "error", (raw,), f"{msg}; {SYNTAX}.", "Kit claim-line syntax")


def _head(db: sqlite3.Connection, prefix: str, pos: int) -> tuple[str, str] | None:
    """(label, axis) of table-head position pos among tables whose name starts with prefix."""
    return db.execute("SELECT label, axis FROM pcs_axis WHERE row = 0 AND pos = ? AND tbl LIKE ? LIMIT 1",
                      (pos, prefix + "%")).fetchone()


def _pcs_problem(db: sqlite3.Connection, code: str) -> str | None:
    """What breaks an ICD-10-PCS code, walking its axes left to right; None if one table row holds it."""
    tbl, op, system = code[:3], _head(db, code[:3], 3), _head(db, code[:3], 2)
    if op is None:
        pos = next(p for p in (1, 2, 3) if _head(db, code[:p], p) is None)
        known = ", ".join(_head(db, code[:p], p)[0] for p in range(1, pos))
        where = f"is not used with {code[:pos - 1]} ({known})" if known else "is not a PCS section"
        axis = _head(db, code[:pos - 1], pos)[1] if known else "Section"
        return f"table {tbl} does not exist: the {ORDINAL[pos]} character ({axis}) '{code[pos - 1]}' {where}"
    rows, axes = {}, {}  # row -> position -> {value: label}; position -> axis name
    for row, pos, value, label, axis in db.execute(
            "SELECT row, pos, value, label, axis FROM pcs_axis WHERE tbl = ? AND row > 0", (tbl,)):
        rows.setdefault(row, {}).setdefault(pos, {})[value] = label
        axes[pos] = axis
    alive = list(rows)
    for pos, char in enumerate(code[3:], 4):
        if not (keep := [r for r in alive if char in rows[r].get(pos, {})]):
            valid = ", ".join(f"{v} ({lb})" for v, lb in sorted({i for r in alive for i in rows[r][pos].items()}))
            plural = axes[pos].lower() + ("es" if axes[pos].lower().endswith(("ch", "s", "x")) else "s")
            return f"the {ORDINAL[pos]} character ({axes[pos]}) '{char}' " + (
                f"does not exist in table {tbl} ({op[0]}, {system[0]})" if pos == 4
                else f"is not valid for {code[:pos - 1]}: valid {plural} are {valid}")
        alive = keep
    return None


def pcs_valid(ctx: Context) -> Iterable[Finding]:
    """An ICD-10-PCS code must come from a single row of one PCS table; name the first character that breaks it."""
    for ln in _lines(ctx):
        if ln.found or not PCS_SHAPE.fullmatch(ln.base):
            continue
        if ln.system != "icd10pcs" and _head(ctx.db, ln.base[:3], 3) is None:
            continue  # read as an (invalid) ICD-10-CM code and names no PCS table: left to the CM rules
        if problem := _pcs_problem(ctx.db, ln.base):
            yield Finding("pcs_valid", "error", (ln.base,), (
                f"{ln.base}: {problem}. The first three characters name a table and the 4th to 7th must all come "
                "from one row of it: find the table from the Index, then take every character from the same row."),
                "ICD-10-PCS Tables (codes are built from a single row of a table); ICD-10-PCS guidelines A.6, A.9")


def _hcpcs_problem(db: sqlite3.Connection, code: str, kind: str, day: str, when: str) -> str | None:
    """Why a HCPCS Level II code or modifier cannot be reported on a day, or None."""
    row = db.execute("SELECT added, terminated FROM hcpcs WHERE code = ? AND kind = ?", (code, kind)).fetchone()
    if row is None:
        return f"{code} is not in the HCPCS Level II file"
    if row[1] and row[1] < day:
        return f"{code} was deleted from HCPCS Level II: its last valid date was {row[1]}, before {when}"
    return f"{code} was added to HCPCS Level II on {row[0]}, after {when}" if row[0] and row[0] > day else None


def hcpcs_exists(ctx: Context) -> Iterable[Finding]:
    """A HCPCS Level II code must be in the HCPCS file and active on the date of service."""
    lines, (day, when) = _lines(ctx), _dos(ctx)
    level2 = [ln for ln in lines if HCPCS_SHAPE.fullmatch(ln.base) and (ln.system == "hcpcs" or not ln.found)]
    mods = {m for ln in lines for m in ln.mods if MODIFIER.fullmatch(m) and not m.isdigit()} - set(CPT_MODIFIERS)
    if not ctx.db.execute("SELECT 1 FROM hcpcs LIMIT 1").fetchone():
        if level2 or mods:
            yield Finding("hcpcs_exists", "info", tuple(ln.base for ln in level2) + tuple(sorted(mods)), (
                f"HCPCS Level II data is not in the FY{ctx.year} store, so HCPCS codes and modifiers went unchecked: "
                "run `medcode data fetch` (or set MEDCODE_CMS_DIR), and `medcode data build`."), "HCPCS Level II (CMS)")
        return
    for ln in level2:
        if problem := _hcpcs_problem(ctx.db, ln.base, "procedure", day, when):
            yield Finding("hcpcs_exists", "error", (ln.base,), f"{problem}, so it cannot be reported. Find the "
                          "service in the HCPCS Level II book or with `medcode lookup` and use a code active on the "
                          "date of service.", "HCPCS Level II code set (CMS): codes in effect on the date of service")


def cpt_format(ctx: Context) -> Iterable[Finding]:
    """CPT codes: five digits, or four digits and F/T/U/M; the kit's list is short, so absence is only info."""
    for ln in _lines(ctx):
        if ln.system == "cpt" and not ln.found:
            yield Finding("cpt_format", "info", (ln.code,), f"{ln.code} is not in the kit's CPT teaching list: check "
                          "it in your current CPT book, since a code not there cannot be reported.", "AMA CPT book")
        elif ln.system is None and len(ln.base) == 5 and ln.base[0].isdigit():
            yield Finding("cpt_format", "error", (ln.base,), f"{ln.base} is not a CPT code: CPT codes are five "
                          "digits (99213), or four digits then F (Category II), T (Category III), U (lab PLA) or M "
                          "(MAAA). Check each character against the CPT book.", "AMA CPT book (code formats)")


def _modifier_logic(ln: Line, mods: set[str]) -> Iterable[Finding]:
    """Modifiers on one line that contradict each other or do not fit the code."""
    code, x = ln.code, "/".join(sorted(mods & X_MODIFIERS))
    checks = [
        ({"LT", "RT"} <= mods, "error", BILATERAL_GUIDE, "LT and RT on one line contradict each other. For both "
         f"sides report {code}-50 ({CPT_MODIFIERS['50']}) or two lines, {code}-RT and {code}-LT, as the payer asks."),
        ("50" in mods and bool(mods & {"LT", "RT"}), "error", BILATERAL_GUIDE, "50 already means both sides, so "
         f"LT/RT on the same line contradicts it. Report {code}-50 for both sides, or {code}-LT / {code}-RT."),
        ("25" in mods and not (code.isdigit() and 99202 <= int(code) <= 99499), "error",
         "CPT Appendix A (modifier 25)", f"25 marks a {CPT_MODIFIERS['25']}, so it goes on the E/M code "
         f"(99202-99499), never on {code}. Move it to the visit line, e.g. 99213-25."),
        ({"26", "TC"} <= mods, "error", "CPT Appendix A (modifier 26); HCPCS Level II modifier TC",
         f"26 ({CPT_MODIFIERS['26']}) and TC (technical component) split one service in two; together they are "
         f"the whole service. Report {code} with neither, or only the part that was done."),
        ("59" in mods and bool(x), "warning", "CMS MLN fact sheet on modifiers 59 and X{EPSU}; " + PTP_GUIDE,
         f"{x} is a more specific form of 59 ({CPT_MODIFIERS['59']}); CMS asks for the X modifier instead of 59, "
         f"not both. Keep {x} and drop 59."),
        ("51" in mods, "info", "CPT Appendix A (modifier 51); Medicare Claims Processing Manual, Ch. 12, 40.6",
         "many payers, Medicare among them, apply the multiple-procedure reduction themselves and do not want 51 on "
         "the claim; check the payer's policy before adding it.")]
    yield from (Finding("modifier_valid", severity, (ln.item.raw,), f"{ln.item.raw}: {msg}", guide)
                for hit, severity, guide, msg in checks if hit)


def modifier_valid(ctx: Context) -> Iterable[Finding]:
    """Each modifier must exist and be active on the date, and a line's modifiers must make sense together."""
    (day, when), loaded = _dos(ctx), ctx.db.execute("SELECT 1 FROM hcpcs LIMIT 1").fetchone()
    for ln in (ln for ln in _lines(ctx) if ln.procedure):
        mods = [m for m in ln.mods if MODIFIER.fullmatch(m)]
        for m in (m for m in mods if m not in CPT_MODIFIERS):
            if problem := (f"{m} is not a CPT modifier the kit knows" if m.isdigit()
                           else loaded and _hcpcs_problem(ctx.db, m, "modifier", day, when)):
                yield Finding("modifier_valid", "error", (ln.item.raw, m), f"{ln.item.raw}: {problem}. Check it in "
                              "CPT Appendix A (two digits) or the HCPCS Level II modifier list (letters), and use a "
                              "modifier active on the date of service.", "CPT Appendix A; HCPCS Level II modifiers")
        yield from _modifier_logic(ln, set(mods))


def load_ptp(path: str | Path, codes: set[str] | None = None) -> list[tuple[str, str, str, str, str, str]]:
    """(column 1, column 2, effective, deletion, modifier indicator, rationale) edits of a CMS practitioner PTP file.

    Tab-delimited .txt as CMS ships it, or .csv; header lines skipped; ISO dates, deletion "" for "*"; codes: keep
    only edits whose two codes are both in it."""
    text = Path(path).read_text(encoding="latin-1")
    delimiter, lines = "\t" if "\t" in text else ",", text.splitlines()
    if codes is not None:  # a fast scan: the official files hold millions of lines
        alt = "|".join(sorted(map(re.escape, codes))) or "(?!)"
        lines = re.findall(rf'^"?(?:{alt})"?{delimiter}"?(?:{alt})"?{delimiter}[^\r\n]*', text, re.M)
    out = []
    for f in ([c.strip() for c in row] + [""] for row in csv.reader(lines, delimiter=delimiter)):
        if len(f) > 6 and PTP_ROW.fullmatch("|".join(f[:5])):
            out.append((f[0], f[1], *(f"{d[:4]}-{d[4:6]}-{d[6:]}" if d.isdigit() else "" for d in f[3:5]), *f[5:7]))
    return out


def _bypass(a: Line, b: Line) -> str:
    """The NCCI-associated modifier(s) on a column 1 / column 2 pair of lines that allow both, or ""."""
    if general := sorted((set(a.mods) | set(b.mods)) & NCCI_BYPASS):
        return "/".join(general)
    side_a, side_b = sorted(set(a.mods) & ANATOMIC), sorted(set(b.mods) & ANATOMIC)
    return f"{'/'.join(side_a)} vs {'/'.join(side_b)}" if side_a and side_b and not set(side_a) & set(side_b) else ""


def ncci_ptp(ctx: Context) -> Iterable[Finding]:
    """NCCI procedure-to-procedure pairs: the column 2 code is not paid with column 1 unless a modifier allows it."""
    lines = [ln for ln in _lines(ctx) if ln.procedure]
    files = sorted(p for d in cms_dirs() if d.is_dir() for p in d.rglob("*")  # official practitioner PTP files
                   if p.name.lower().startswith("ccipra") and p.suffix.lower() in (".txt", ".csv"))
    codes, (day, _), seen, note = {ln.code for ln in lines}, _dos(ctx), set(), SAMPLE_NOTE * (not files)
    if len(codes) < 2 or not (files or SAMPLE_PTP.exists()):
        return
    for c1, c2, effective, deletion, indicator, why in (e for f in files or [SAMPLE_PTP] for e in load_ptp(f, codes)):
        if c1 == c2 or (c1, c2) in seen or not effective <= day <= (deletion or day):
            continue
        seen.add((c1, c2))
        pair = f"{c1} (column 1) and {c2} (column 2) are an NCCI PTP pair with modifier indicator {indicator}{note}"
        for b in (ln for ln in lines if ln.code == c2 and indicator in ("0", "1")):
            by = next((m for a in lines if a.code == c1 and (m := _bypass(a, b))), "")
            if indicator == "0":
                msg = (f"{pair}: {c2} is never paid with {c1} for the same patient on the same day, and no modifier "
                       f"changes that (CMS rationale: {why}). Remove {c2} and report {c1}.")
            elif by:
                msg = (f"{pair}; modifier {by} lets {c2} be paid separately. Make sure the record documents the "
                       "distinct service the modifier claims.")
            else:
                msg = (f"{pair}: {c2} is bundled into {c1} unless it was a separate service (another encounter, "
                       "site or organ, or practitioner). If the record shows that, add the modifier that says which "
                       f"(XE, XS, XP, XU, or 59; LT/RT when the sides differ), e.g. {c2}-XS; otherwise remove {c2} "
                       f"(CMS rationale: {why}).")
            yield Finding("ncci_ptp", "info" if by and indicator == "1" else "error", (c1, c2), msg, PTP_GUIDE)


def mue_units(ctx: Context) -> Iterable[Finding]:
    """Units must not exceed the code's MUE: per line for MAI 1, all lines of the day added up for MAI 2 and 3."""
    lines = [ln for ln in _lines(ctx) if ln.procedure and ln.units]
    for ln in lines:
        row = ctx.db.execute("SELECT units, indicator, rationale FROM mue WHERE code = ?", (ln.code,)).fetchone()
        same = [x for x in lines if x.code == ln.code]
        if row is None or (row[1][:1] != "1" and same[0] is not ln):
            continue  # MAI 2 and 3 add up every line of the code: report it once, on its first line
        (limit, indicator, why), per_line = row, row[1][:1] == "1"
        units = ln.units if per_line else sum(x.units for x in same)
        fix = f"write them as a trailing *N, e.g. {ln.code}*{limit}" if limit else "an MUE of 0 means no unit is paid"
        if units > limit:
            yield Finding("mue_units", "error", (ln.code,), f"{ln.code}: {units} unit{'s' * (units != 1)} "
                          f"{'on the line ' + ln.item.raw if per_line else 'on this date'}, but its MUE is {limit} "
                          f"({MAI.get(indicator[:1], indicator)}; CMS rationale: {why}). Check the units against the "
                          f"record; {fix}.", "CMS practitioner MUE table; " + PTP_GUIDE)


RULES = [claim_line, pcs_valid, hcpcs_exists, cpt_format, modifier_valid, ncci_ptp, mue_units]
