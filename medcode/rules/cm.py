"""ICD-10-CM rules: existence, level of detail, 7th characters, Excludes notes, sequencing, integral symptoms."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import permutations, product

from medcode.codes import candidates
from medcode.lookup import READERS, _not_found
from medcode.model import Code, Note
from medcode.validate import Context, Finding, Item, service_line

# A manifestation code's title: "in (other) diseases classified elsewhere", "due to conditions classified ...".
MANIFESTATION = re.compile(r"\b(?:in|due to|with) (?:[\w-]+ ){0,4}(?:diseases?|conditions?|disorders?) "
                           r"classified elsewhere", re.IGNORECASE)
# "(E08-E13 with .42)", "(F10, F13, F19 with .26, .96)": the named categories with these endings only.
WITH_ENDINGS = re.compile(r"\(((?:[A-Z]\d\d(?:-[A-Z]\d\d)?(?:, )?)+),? with ((?:\.[\d.-]+[,.]? ?)+)\)")

# I.C.21.c.16 "Z Codes That May Only be Principal/First-Listed Diagnosis" (codes and categories, less its
# two exceptions Z00.6 and Z52.9). Z51.0 and Z51.1- may be reported together, one of them secondary (I.C.2.e.2).
FIRST_LISTED_ONLY = ("Z00", "Z01", "Z02", "Z04", "Z31.81", "Z31.83", "Z31.84", "Z33.2", "Z34", "Z38", "Z39",
                     "Z40", "Z42", "Z51.0", "Z51.1", "Z52", "Z76.1", "Z76.2", "Z99.12")
FIRST_LISTED_EXCEPT = ("Z00.6", "Z52.9")
ANTINEOPLASTIC = ("Z51.0", "Z51.1")
# I.B.14: "The BMI ... codes and codes for underimmunization status should only be reported as secondary
# diagnoses" (the coma scale, NIHSS and blood alcohol codes it also names are not Z codes).
SECONDARY_ONLY = {"Z68": "a body mass index (BMI) code", "Z28.3": "an underimmunization status code"}

# I.B.5: symptoms routinely part of a disease, as textbook pairs (symptom refs, disease refs, the disease).
# Pairs with an Excludes1 note (R06.2 with J45.-, R07.0 with J02.9, R73.9 with E08-E13) are left to excludes1.
INTEGRAL = (
    (("R07.2", "R07.89", "R07.9"), ("I20.-", "I21.-"), "angina or acute myocardial infarction"),
    (("R10.-",), ("K35.-",), "acute appendicitis"),
    (("R05.-",), ("J18.-", "J20.-"), "pneumonia or acute bronchitis"),
    (("R11.-", "R19.7"), ("A08.-", "A09"), "infectious gastroenteritis"),
    (("R21",), ("B01.-", "B05.-", "B06.-"), "varicella, measles or rubella"),
    (("R30.0",), ("N30.0-",), "acute cystitis"),
)


def _covers(ref: str, code: str) -> bool:
    """Whether a note's reference ("E08.-", "O24.4-", "N18.1-N18.6", "O65-O66", "E11.22") takes in code."""
    lo, _, hi = (part.rstrip(".-") for part in ref.rstrip(".-").partition("-"))
    return lo <= code[:len(lo)] and code[:len(hi)] <= hi if hi else code.startswith(lo)


def _refs(note: Note) -> list[str]:
    """The codes a note cites ("E08-E13 with .42" as E08.42 ... E13.42), less any inside the note's own node."""
    refs, narrowed = list(note.refs), WITH_ENDINGS.search(note.text)
    if narrowed:
        cats = [f"{lo[0]}{n:02d}" for lo, _, hi in (p.partition("-") for p in re.split(r", ?", narrowed[1]))
                for n in range(int(lo[1:]), int((hi or lo)[1:]) + 1)]
        ends = [e.rstrip(".") for e in re.split(r"[, ]+", narrowed[2]) if e.rstrip(".")]
        refs = [c + e.replace("-", "-" + c) if "-" in e.strip("-") else c + e for c in cats for e in ends]
    return [r for r in refs if note.source.isdigit() or not _covers(note.source, r.split("-")[0])]


def _within(note: Note, entry: Code) -> bool:
    """Whether a code lies under the node that prints a note (a chapter number, a block range or a code)."""
    return entry.chapter == note.source if note.source.isdigit() else _covers(note.source, entry.code)


def _at(note: Note) -> str:
    """Where the book prints a note: "E11", "block N17-N19", "chapter 4"."""
    return ("chapter " if note.source.isdigit() else "block " if "-" in note.source else "") + note.source


def _cm(ctx: Context) -> list[Item]:
    """The ICD-10-CM codes found in the store, each once, in reporting order."""
    items = ctx.of("icd10cm")
    return [i for n, i in enumerate(items) if all(j.code != i.code for j in items[:n])]


def _first(ctx: Context) -> Item | None:
    """The first-listed ICD-10-CM item (the principal diagnosis in the inpatient setting), if it exists."""
    first = next((i for i in ctx.items if i.system == "icd10cm"), None)
    return first if first and first.entry else None


def _is_manifestation(ctx: Context, entry: Code) -> bool:
    """An "in diseases classified elsewhere" code: by its title, or a "code first" note under such a title."""
    parent, titles = entry.parent, [entry.title]
    while parent and "-" not in parent and not parent.isdigit() and entry.code_first:
        title, parent = ctx.db.execute("SELECT title, parent FROM cm_node WHERE id = ?", (parent,)).fetchone()
        titles.append(title)
    return any(MANIFESTATION.search(t) for t in titles)


def _listing(codes: Iterable[str], most: int = 8) -> str:
    codes = list(dict.fromkeys(codes))
    return ", ".join(codes[:most]) + (f" (and {len(codes) - most} more)" if len(codes) > most else "")


def _meanings(entry: Code, codes: Iterable[str]) -> str:
    return "; ".join(f"{c[-1]} = {entry.seventh_characters.get(c[-1], '')}" for c in codes)


def _seventh_fix(ctx: Context, code: str) -> tuple[Code, list[str]] | None:
    """For a code not found: the code it would extend with a 7th character, and that code's extensions."""
    bare = code.replace(".", "")  # compared without the 7th character and the placeholder X (X00-X99 stay)
    same = ctx.db.execute("SELECT id, parent FROM cm_node WHERE id >= ? AND id < ? AND billable = 1 AND length(id) = 8 "
                          "AND substr(id, 1, 3) || replace(substr(id, 5, 3), 'X', '') = ?",
                          (bare[:3], bare[:3] + "~", bare[:3] + bare[3:-1].replace("X", ""))).fetchall()
    base = READERS["icd10cm"](ctx.db, same[0][1], ctx.year) if same else None
    return (base, [i for i, p in same if p == base.code]) if base and base.seventh_characters else None


def rule_format(ctx: Context) -> Iterable[Finding]:
    """Input shaped like no code system at all (ICD-10-CM I.A.2); claim lines ("27447-RT*1") are read elsewhere."""
    for item in (i for i in ctx.items if i.system is None):
        if not candidates(service_line(item.raw)[0]):
            yield Finding("format", "error", (item.raw,),
                          f"{item.raw[:20]!r}{'...' * (len(item.raw) > 20)} is not a code in any system the kit "
                          "knows: ICD-10-CM codes look like E11.22, ICD-10-PCS like 0DTJ4ZZ, HCPCS like J1100, CPT "
                          "like 99213. Check for a typing error (ICD-10-CM I.A.2).", "ICD-10-CM I.A.2")


def rule_exists(ctx: Context) -> Iterable[Finding]:
    """An ICD-10-CM-shaped code not in the year's code set (ICD-10-CM I.B.1: verify it in the Tabular List)."""
    for item in (i for i in ctx.items if i.system == "icd10cm" and i.entry is None):
        if not _seventh_fix(ctx, item.code):
            yield Finding("exists", "error", (item.code,),
                          f"{_not_found(ctx.db, 'icd10cm', item.code, ctx.year)} Codes change every fiscal year: find "
                          "the term in the Alphabetic Index, then verify the code in the Tabular List for the year of "
                          "the date of service (ICD-10-CM I.B.1).", "ICD-10-CM I.B.1")


def rule_seventh_character(ctx: Context) -> Iterable[Finding]:
    """A typed code with an invalid 7th character or without its placeholder X (ICD-10-CM I.A.5, I.A.4)."""
    for item in (i for i in ctx.items if i.system == "icd10cm" and i.entry is None):
        base, valid = _seventh_fix(ctx, item.code) or (None, [])
        right = next((v for v in valid if v[-1] == item.code[-1]), None)
        if right:
            yield Finding("seventh_character", "error", (item.code,),
                          f"{item.code} is not a code as typed: the 7th character always goes in the 7th position, "
                          "with the placeholder X filling each empty position before it (ICD-10-CM I.A.4). Write "
                          f"{right} ({READERS['icd10cm'](ctx.db, right, ctx.year).title}).", "ICD-10-CM I.A.4")
        elif base:
            placeholder = ", the placeholder X filling empty positions (ICD-10-CM I.A.4)" if "X" in valid[0][3:] else ""
            yield Finding("seventh_character", "error", (item.code,),
                          f"{item.code} is not a code: {item.code[-1]!r} is not a valid 7th character for {base.code} "
                          f"({base.title}) (ICD-10-CM I.A.5). Choose the one that fits the encounter: "
                          f"{_meanings(base, valid)}; for example {valid[0]}{placeholder}.", "ICD-10-CM I.A.5")


def rule_billable(ctx: Context) -> Iterable[Finding]:
    """A category or subcategory reported as a code (ICD-10-CM I.B.2), or a code missing its 7th character (I.A.5)."""
    for entry in (i.entry for i in _cm(ctx) if not i.entry.billable):
        sevenths = entry.seventh_characters
        if sevenths and entry.children and all(len(c) == 8 and c[-1] in sevenths for c in entry.children):
            placeholder = (" The placeholder X fills the empty positions before it (ICD-10-CM I.A.4)."
                           if "X" in entry.children[0][len(entry.code):] else "")
            yield Finding("billable", "error", (entry.code,),
                          f"{entry.code} is missing its 7th character, so it is not a complete code (ICD-10-CM "
                          f"I.A.5). Add the one that fits the encounter: {_meanings(entry, entry.children)} "
                          f"(codes {_listing(entry.children)}).{placeholder}", "ICD-10-CM I.A.5")
            continue
        then = f", then add a 7th character ({', '.join(sevenths)}; ICD-10-CM I.A.5)" if sevenths else ""
        yield Finding("billable", "error", (entry.code,),
                      f"{entry.code} is a {entry.kind if entry.kind != 'code' else 'header'}, not a billable code: "
                      f"choose one of {_listing(entry.children)}{then} (ICD-10-CM I.B.2 level of detail: codes "
                      "are reported to the full number of characters required).", "ICD-10-CM I.B.2")


def rule_duplicate(ctx: Context) -> Iterable[Finding]:
    """The same code reported more than once (ICD-10-CM I.B.12)."""
    for code, n in Counter(i.code for i in ctx.items if i.system == "icd10cm").items():
        if n > 1:
            yield Finding("duplicate", "warning", (code,),
                          f"{code} is reported {n} times: each unique ICD-10-CM code is reported only once for an "
                          "encounter (ICD-10-CM I.B.12). Remove the repeat.", "ICD-10-CM I.B.12")


def _excluded_pairs(ctx: Context, kind: str, code_level: bool = False) -> dict[frozenset, tuple[Item, Item, Note]]:
    """Pairs of codes where one falls under the other's Excludes1/Excludes2 note, each pair once."""
    pairs: dict[frozenset, tuple[Item, Item, Note]] = {}
    for a, b in permutations(_cm(ctx), 2):
        notes = [n for n in getattr(a.entry, kind) if not (code_level and ("-" in n.source or n.source.isdigit()))]
        hit = next((n for n in notes if not _within(n, b.entry) and any(_covers(r, b.code) for r in _refs(n))), None)
        if hit and frozenset((a.code, b.code)) not in pairs:
            pairs[frozenset((a.code, b.code))] = (a, b, hit)
    return pairs


def rule_excludes1(ctx: Context) -> Iterable[Finding]:
    """Two codes where one is in the other's Excludes1 note (ICD-10-CM I.A.12.a)."""
    for a, b, note in _excluded_pairs(ctx, "excludes1").values():
        yield Finding("excludes1", "error", (a.code, b.code),
                      f"{a.code} and {b.code} are not reported together: {a.code} falls under the Excludes1 note at "
                      f"{_at(note)}, \"{note.text}\", which takes in {b.code}. Excludes1 means never coded together: "
                      "keep the code the documentation supports (ICD-10-CM I.A.12.a). The exception: when the two "
                      "conditions are unrelated to each other, both may be reported.", "ICD-10-CM I.A.12.a")


def rule_excludes2(ctx: Context) -> Iterable[Finding]:
    """Two codes where one is in the other's code-level Excludes2 note: both allowed (ICD-10-CM I.A.12.b)."""
    hard = _excluded_pairs(ctx, "excludes1")
    for key, (a, b, note) in _excluded_pairs(ctx, "excludes2", code_level=True).items():
        if key not in hard:
            yield Finding("excludes2", "info", (a.code, b.code),
                          f"{a.code} and {b.code}: the Excludes2 note at {_at(note)} (\"{note.text}\") means "
                          f"{b.code}'s condition is not part of {a.code}; both may be reported when the patient has "
                          "both conditions (ICD-10-CM I.A.12.b).", "ICD-10-CM I.A.12.b")


def rule_manifestation_first(ctx: Context) -> Iterable[Finding]:
    """A manifestation code listed first (ICD-10-CM I.A.13)."""
    first = _first(ctx)
    if first and _is_manifestation(ctx, first.entry):
        refs = [r for note in first.entry.code_first for r in _refs(note)]
        found = [i.code for i in _cm(ctx) if any(_covers(r, i.code) for r in refs)]
        cause = _listing(found) if found else f"such as {_listing(refs, 5)}" if refs else "the etiology"
        yield Finding("manifestation_first", "error", (first.code,),
                      f"{first.code} is a manifestation code (the \"in diseases classified elsewhere\" kind): it is "
                      f"never principal/first-listed. Sequence the underlying condition ({cause}) first, then "
                      f"{first.code} (ICD-10-CM I.A.13).", "ICD-10-CM I.A.13")


def rule_etiology_missing(ctx: Context) -> Iterable[Finding]:
    """A manifestation code reported without any condition its "code first" note names (ICD-10-CM I.A.13)."""
    for item in _cm(ctx):
        refs = [r for note in item.entry.code_first for r in _refs(note)]
        others = [i.code for i in _cm(ctx) if i is not item]
        if refs and _is_manifestation(ctx, item.entry) and not any(_covers(r, o) for o in others for r in refs):
            yield Finding("etiology_missing", "warning", (item.code,),
                          f"{item.code} is a manifestation code: report the underlying condition too, sequenced "
                          f"before it. Its \"code first\" note names {_listing(refs)}, and none is reported; if the "
                          "documented cause is another condition, report that code first (ICD-10-CM I.A.13).",
                          "ICD-10-CM I.A.13")


def rule_external_cause_first(ctx: Context) -> Iterable[Finding]:
    """An external cause code (V00-Y99) listed first (ICD-10-CM I.C.20.a)."""
    first = _first(ctx)
    if first and first.entry.chapter == "20":
        yield Finding("external_cause_first", "error", (first.code,),
                      f"{first.code} is an external cause code (V00-Y99): it is never the principal/first-listed "
                      "diagnosis. List the injury or condition it explains first, and the external cause codes "
                      "after it (ICD-10-CM I.C.20.a).", "ICD-10-CM I.C.20.a")


def rule_z_code_position(ctx: Context) -> Iterable[Finding]:
    """Z codes that may only be first-listed (ICD-10-CM I.C.21.c.16) or only secondary (I.B.14)."""
    first = _first(ctx)
    for item, code in ((i, i.code) for i in (_cm(ctx) if first else ())):
        only = next((SECONDARY_ONLY[s] for s in SECONDARY_ONLY if code.startswith(s)), None)
        if item is first and only:
            yield Finding("z_code_position", "error", (code,),
                          f"{code} is {only} and may only be reported as a secondary diagnosis (ICD-10-CM I.B.14): "
                          "list the condition it relates to first.", "ICD-10-CM I.B.14")
        elif (item is not first and code.startswith(FIRST_LISTED_ONLY) and not code.startswith(FIRST_LISTED_EXCEPT)
              and not (code.startswith(ANTINEOPLASTIC) and first.code.startswith(ANTINEOPLASTIC))):
            yield Finding("z_code_position", "warning", (code,),
                          f"{code} may only be reported as the principal/first-listed diagnosis (ICD-10-CM "
                          "I.C.21.c.16): move it to the first position. The one exception is several encounters on "
                          "the same day whose records are combined.", "ICD-10-CM I.C.21.c.16")


def rule_symptom_integral(ctx: Context) -> Iterable[Finding]:
    """A symptom code reported with a diagnosis it is routinely part of (ICD-10-CM I.B.5)."""
    for (symptoms, diseases, disease), sign, other in product(INTEGRAL, _cm(ctx), _cm(ctx)):
        if any(_covers(s, sign.code) for s in symptoms) and any(_covers(d, other.code) for d in diseases):
            yield Finding("symptom_integral", "warning", (sign.code, other.code),
                          f"{sign.code} ({sign.entry.title}) is a symptom routinely part of {disease} "
                          f"({other.code}): signs and symptoms integral to a confirmed diagnosis are not coded "
                          "separately (ICD-10-CM I.B.5; symptom codes are for when no definitive diagnosis is "
                          f"established, I.B.4). Remove {sign.code} unless the provider links it to another "
                          "cause.", "ICD-10-CM I.B.5")


def _note_groups(notes: Iterable[Note]) -> list[list[Note]]:
    """Notes that cite codes, grouped behind the lead-in line they follow ("code to identify:")."""
    groups: list[list[Note]] = []
    for note in notes:
        lead = groups[-1][0] if groups else None
        if note.refs and lead and not lead.refs and lead.text.endswith(":") and lead.source == note.source:
            groups[-1].append(note)
        else:
            groups.append([note])
    return [group for group in groups if group[-1].refs]


def rule_use_additional(ctx: Context) -> Iterable[Finding]:
    """A "use additional code" note none of whose codes is reported (ICD-10-CM I.B.7, I.A.13)."""
    items = _cm(ctx)
    for item in items:
        for group in _note_groups(n for n in item.entry.use_additional if not n.source.isdigit()):
            refs = [r for n in group for r in _refs(n)]
            if refs and not any(_covers(r, o.code) for o in items if o is not item for r in refs):
                text = "; ".join(n.text for n in group).replace(":; ", ": ")  # "code to identify: a; b"
                when = "" if "if applicable" in text else ", if documented"
                yield Finding("use_additional", "info", (item.code,), f"{item.code}: use additional {text}{when} "
                              "(ICD-10-CM I.B.7, I.A.13).", "ICD-10-CM I.B.7")


RULES = [rule_format, rule_exists, rule_seventh_character, rule_billable, rule_duplicate, rule_excludes1,
         rule_excludes2, rule_manifestation_first, rule_etiology_missing, rule_external_cause_first,
         rule_z_code_position, rule_symptom_integral, rule_use_additional]
