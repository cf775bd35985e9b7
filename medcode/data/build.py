"""Compile official code-set files into one read-only SQLite store per fiscal year."""
from __future__ import annotations

import csv
import json
import sqlite3
import time
from pathlib import Path

from medcode.data import cm_index, cpt, hcpcs, pcs, tabular
from medcode.data.paths import SOURCE_DATA, store_path
from medcode.data.sources import discover

SCHEMA = Path(__file__).with_name("schema.sql")
SYNONYMS = SOURCE_DATA / "synonyms.csv"
DRUG_COLUMNS = {2: "poisoning accidental", 3: "poisoning intentional self-harm", 4: "poisoning assault",
                5: "poisoning undetermined", 6: "adverse effect", 7: "underdosing"}
NEOPLASM_COLUMNS = {2: "malignant primary", 3: "malignant secondary", 4: "carcinoma in situ", 5: "benign",
                    6: "uncertain behavior", 7: "unspecified behavior"}


def fiscal_years_available(found: dict | None = None) -> list[int]:
    found = discover() if found is None else found
    return sorted(y for (kind, y) in found if kind == "icd10cm-tabular")


def _pick(found: dict, kind: str, year: int) -> tuple[Path, int] | None:
    """The file of this kind for the year, else the newest earlier one (an index lags its tabular)."""
    years = [y for (k, y) in found if k == kind and y <= year]
    return (found[(kind, max(years))], max(years)) if years else None


TABLE_NAMES = {"drug": "drug table", "neoplasm": "neoplasm table"}


def _table_text(book: str, trail: str, col: int, column: str) -> tuple[str, str]:
    """(text, also) for a table cell. The table's own heading words and the default column (accidental
    poisoning when intent is not documented, ICD-10-CM I.C.19.e.5.b) do not count against a match."""
    if book == "neoplasm":
        return f"{trail.removeprefix('Neoplasm, neoplastic, ')} {column}", "neoplasm neoplastic"
    if col == 2:
        return f"{trail} poisoning", "accidental unintentional"
    return f"{trail} {column}", ""


def _see_resolver(terms: list[cm_index.Term]):
    """Find the term a "see" reference names: 'Calculus, gallbladder' -> main term 'Calculus, calculi,
    calculous', subterm 'gallbladder' (each part matches a term's title or one of its comma-separated forms)."""
    children: dict[int | None, list[cm_index.Term]] = {}
    for t in terms:
        children.setdefault(t.parent, []).append(t)

    def names(t: cm_index.Term) -> set[str]:
        return {t.title.lower(), *(x.strip() for x in t.title.lower().split(","))}

    def resolve(see: str) -> cm_index.Term | None:
        parent = None
        for part in see.lower().split(", "):
            parent = next((t for t in children.get(parent.id if parent else None, []) if part in names(t)), None)
            if parent is None:
                return None
        return parent
    return resolve


class Builder:
    def __init__(self, db: sqlite3.Connection, year: int):
        self.db, self.year, self.meta, self.docs = db, year, {"fiscal_year": year, "sources": {}}, []
        self.cm_codes: set[str] = set()
        self.billable: dict[str, int] = {}
        self.chapter: dict[str, str] = {}

    def doc(self, system, code, kind, via, text, billable=1, chapter="", also="", level=None):
        """A searchable text for a code; `also` words match but are not counted as unmatched extras."""
        self.docs.append((system, code, kind, via, billable, chapter, text.lower(), also.lower(), level))

    def source(self, key: str, path: Path, year: int) -> None:
        self.meta["sources"][key] = {"file": path.name, "year": year}

    def tabular(self, path: Path) -> None:
        tab = tabular.parse(path)
        rows = [(n.id, n.kind, n.title, n.parent, n.depth, int(n.billable), n.chapter, i)
                for i, n in enumerate(tab.nodes)]
        self.db.executemany("INSERT INTO cm_node VALUES (?,?,?,?,?,?,?,?)", rows)
        self.db.executemany("INSERT INTO cm_note VALUES (?,?,?,?,?)",
                            [(*note, i) for i, note in enumerate(tab.notes)])
        self.db.executemany("INSERT INTO cm_seventh VALUES (?,?,?)",
                            [(n.id, c, m) for n in tab.nodes for c, m in n.seventh.items()])
        self.cm_codes = {n.id for n in tab.nodes if n.kind not in ("chapter", "block")}
        self.needs_seventh = {n.parent for n in tab.nodes if n.extension}
        self.billable = {n.id: int(n.billable) for n in tab.nodes}
        self.chapter = {n.id: n.chapter for n in tab.nodes}
        # Search the titles; of a 7th-character set that has "initial encounter", only that one.
        has_initial = {n.parent for n in tab.nodes if n.extension == "A"}
        for n in tab.nodes:
            if n.kind in ("chapter", "block") or (n.extension not in ("", "A") and n.parent in has_initial):
                continue
            self.doc("icd10cm", n.id, "title", "tabular", n.title, int(n.billable), n.chapter)
        for node, kind, text, _refs in tab.notes:
            if kind == "inclusion_terms" and node in self.cm_codes:
                self.doc("icd10cm", node, "inclusion", f"tabular: {text}", text, self.billable[node],
                         self.chapter[node])
        self.meta["icd10cm"] = {"release": f"FY{tab.version}", "nodes": len(tab.nodes),
                                "billable": sum(n.billable for n in tab.nodes)}

    def _code(self, raw: str) -> tuple[str, int]:
        """Index code as stored (partial codes lose the dash) and whether it is valid this year:
        it exists and is billable, or is written as partial ("D05.-"), or takes a 7th character."""
        code = raw.rstrip("-").rstrip(".")
        usable = self.billable.get(code) or raw.endswith("-") or code in self.needs_seventh
        return code, int(code in self.cm_codes and bool(usable))

    def index_terms(self, terms: list[cm_index.Term], headings: dict[int, str], book: str) -> None:
        self.db.executemany("INSERT INTO cm_heading VALUES (?,?,?)", [(book, c, h) for c, h in headings.items()])
        see_target = _see_resolver(terms)
        nemods: dict[int, str] = {}  # a main term's nonessential modifiers apply to its subterms too
        for t in terms:
            nemods[t.id] = f"{nemods.get(t.parent, '')} {t.nemod}".strip()
            code, valid = self._code(t.code) if t.code else ("", 1)
            self.db.execute("INSERT INTO cm_term VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            (t.id, t.book, t.parent, t.level, t.title, t.nemod, t.see, t.see_also, t.code,
                             t.manif, t.trail, valid))
            text = t.trail
            if code and valid:
                label = "index" if book == "index" else "external cause index"
                self.doc("icd10cm", code, book, f"{label}: {t.trail}", text, self.billable[code],
                         self.chapter[code], nemods[t.id], 0 if t.level == 0 else None)
            elif t.see and not t.code:
                target = see_target(t.see)
                tcode, tvalid = self._code(target.code) if target and target.code else ("", 0)
                if tvalid:
                    self.doc("icd10cm", tcode, book, f"index: {t.trail} - see {t.see}", text,
                             self.billable[tcode], self.chapter[tcode], f"{nemods[t.id]} {t.see}",
                             0 if t.level == 0 else None)
            columns = DRUG_COLUMNS if book == "drug" else NEOPLASM_COLUMNS
            for col, raw in t.cells.items():
                ccode, cvalid = self._code(raw)
                self.db.execute("INSERT INTO cm_cell VALUES (?,?,?,?)", (t.id, col, raw, cvalid))
                if cvalid:
                    cell_text, cell_also = _table_text(book, t.trail, col, columns[col])
                    self.doc("icd10cm", ccode, book, f"{TABLE_NAMES[book]}: {t.trail} ({columns[col]})", cell_text,
                             self.billable[ccode], self.chapter[ccode], f"{cell_also} {nemods[t.id]}")

    def cm_index(self, found: dict) -> None:
        next_id = 1
        for kind, book in (("icd10cm-index", "index"), ("icd10cm-eindex", "eindex"),
                           ("icd10cm-drug", "drug"), ("icd10cm-neoplasm", "neoplasm")):
            picked = _pick(found, kind, self.year)
            if picked:
                terms, headings = cm_index.parse_xml(picked[0], book, next_id)
            elif kind == "icd10cm-index" and (picked := _pick(found, "icd10cm-index-csv", self.year)):
                terms, headings = cm_index.parse_csv(picked[0], next_id), {}
            else:
                continue
            self.source(kind, *picked)
            self.index_terms(terms, headings, book)
            next_id += len(terms)

    def pcs(self, found: dict) -> None:
        if picked := _pick(found, "icd10pcs-tables", self.year):
            if picked[1] == self.year:
                self.source("icd10pcs-tables", *picked)
                t = pcs.parse_tables(picked[0])
                self.db.executemany("INSERT INTO pcs_axis VALUES (?,?,?,?,?,?)",
                                    [(tbl, 0, p, v, lb, title) for tbl, head in t.tables.items()
                                     for p, title, v, lb in head])
                self.db.executemany("INSERT INTO pcs_axis VALUES (?,?,?,?,?,?)",
                                    [(r.table, r.row, p, v, lb, r.titles[p]) for r in t.rows
                                     for p, values in r.axes.items() for v, lb in values])
                codes = list(t.codes())
                self.db.executemany("INSERT INTO pcs_code VALUES (?,?,?,?)", codes)
                for code, title, _, _ in codes:
                    self.doc("icd10pcs", code, "title", "tables", title.replace(" · ", " "))
                self.meta["icd10pcs"] = {"release": f"FY{t.version}", "codes": len(codes), "tables": len(t.tables)}
        if picked := _pick(found, "icd10pcs-definitions", self.year):
            self.source("icd10pcs-definitions", *picked)
            self.db.executemany("INSERT INTO pcs_definition VALUES (?,?,?,?,?,?)", pcs.parse_definitions(picked[0]))
        if picked := _pick(found, "icd10pcs-index", self.year):
            self.source("icd10pcs-index", *picked)
            terms = pcs.parse_index(picked[0])
            self.db.executemany("INSERT INTO pcs_term VALUES (?,?,?,?,?,?,?)", terms)
            self.pcs_index_docs(terms)

    def pcs_index_docs(self, terms: list[tuple]) -> None:
        """Make PCS Index entries searchable ("appendectomy"): one text per valid code their table row
        prefix names, when that prefix is specific (4+ characters, at most 40 codes)."""
        titles = {t[0]: t[3] for t in terms}
        for _, parent, _, title, see, _, codes in terms:
            if len(codes) < 4:
                continue
            term = f"{titles.get(parent, '')} {title}".strip()
            rows = self.db.execute("SELECT code, title FROM pcs_code WHERE code >= ? AND code < ? LIMIT 41",
                                   (codes, codes + "~")).fetchall()
            if len(rows) <= 40:
                for code, code_title in rows:
                    self.doc("icd10pcs", code, "index", f"index: {term} - see {see or codes}", term,
                             also=f"{see} {code_title.replace(' · ', ' ')}")

    def hcpcs(self, found: dict) -> None:
        if picked := _pick(found, "hcpcs", self.year):
            self.source("hcpcs", *picked)
            codes = hcpcs.parse_hcpcs(picked[0])
            self.db.executemany("INSERT OR REPLACE INTO hcpcs VALUES (?,?,?,?,?,?,?,?)",
                                [tuple(vars(c).values()) for c in codes])
            for c in codes:
                if not c.terminated:
                    self.doc("hcpcs", c.code, c.kind, "HCPCS Level II", c.long, also=f"{c.code} {c.short}")
            active = [c for c in codes if not c.terminated]
            self.meta["hcpcs"] = {"release": f"{picked[1]} ({picked[0].name})",
                                  "procedures": sum(c.kind == "procedure" for c in active),
                                  "modifiers": sum(c.kind == "modifier" for c in active)}
        if picked := _pick(found, "ncci-mue", self.year):
            self.source("ncci-mue", *picked)
            self.db.executemany("INSERT OR REPLACE INTO mue VALUES (?,?,?,?)", hcpcs.parse_mue(picked[0]))
        if (picked := _pick(found, "ipps-table5", self.year)) and picked[1] == self.year:
            self.source("ipps-table5", *picked)
            self.db.executemany("INSERT OR REPLACE INTO drg_weight VALUES (?,?,?,?)", hcpcs.parse_table5(picked[0]))

    def cpt(self, licensed: Path | None) -> None:
        rows = [(c, d, s, n, "kit") for c, d, s, n in cpt.kit_descriptions()]
        if licensed:
            kit = {r[0]: r for r in rows}
            rows = [(c, d, kit.get(c, ("", "", ""))[2], kit.get(c, ("", "", "", ""))[3], "ama")
                    for c, d in cpt.licensed_file(licensed)]
            self.meta["sources"]["cpt"] = {"file": Path(licensed).name, "year": self.year}
        self.db.executemany("INSERT OR REPLACE INTO cpt VALUES (?,?,?,?,?)", rows)
        for code, desc, section, _, source in rows:
            self.doc("cpt", code, "title", "kit description" if source == "kit" else "AMA CPT", desc,
                     also=f"{code} {section}")
        self.meta["cpt"] = {"codes": len(rows), "source": "licensed AMA file" if licensed else "kit descriptions"}

    def synonyms(self) -> None:
        if SYNONYMS.exists():
            with open(SYNONYMS, newline="", encoding="utf-8") as f:
                rows = [(r["phrase"].strip().lower(), r["means"].strip().lower()) for r in csv.DictReader(f)]
            self.db.executemany("INSERT OR REPLACE INTO synonym VALUES (?,?)", rows)

    def finish(self) -> None:
        self.db.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?,?,?,?)",
                            [(i, *d) for i, d in enumerate(self.docs, 1)])
        self.db.executemany("INSERT INTO doc_fts (rowid, text, also) VALUES (?,?,?)",
                            [(i, d[6], d[7]) for i, d in enumerate(self.docs, 1)])
        self.db.execute("INSERT INTO doc_fts (doc_fts) VALUES ('optimize')")
        self.meta["index_valid"] = dict(self.db.execute(
            "SELECT book, printf('%d of %d', sum(valid), count(*)) FROM cm_term WHERE code != '' GROUP BY book"))
        self.meta["built"] = time.strftime("%Y-%m-%d")
        self.db.executemany("INSERT INTO meta VALUES (?,?)", [(k, json.dumps(v)) for k, v in self.meta.items()])


def build(year: int, found: dict | None = None, cpt_file: Path | None = None, dest: Path | None = None) -> Path:
    """Build the store for one fiscal year; returns its path. Replaces an older store atomically."""
    found = discover() if found is None else found
    if ("icd10cm-tabular", year) not in found:
        raise FileNotFoundError(f"No ICD-10-CM tabular XML for FY{year} was found. Run `medcode data fetch` "
                                "or point MEDCODE_CMS_DIR at a folder that holds it.")
    dest = dest or store_path(year)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA.read_text())
    b = Builder(db, year)
    b.source("icd10cm-tabular", found[("icd10cm-tabular", year)], year)
    b.tabular(found[("icd10cm-tabular", year)])
    b.cm_index(found)
    b.pcs(found)
    b.hcpcs(found)
    b.cpt(cpt_file)
    b.synonyms()
    b.finish()
    db.commit()
    db.execute("VACUUM")
    db.close()
    tmp.replace(dest)
    return dest
