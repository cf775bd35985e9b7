"""The compiled store holds the official code sets completely and correctly."""
from __future__ import annotations

import sqlite3

import pytest
import simple_icd_10_cm as cm

import medcode
from medcode.store import KIT_YEAR, connect
from tests.conftest import needs


def test_billable_count_equals_count_derived_from_official_file(store_meta):
    """Billable codes = leaves of the official tabular as simple-icd-10-cm reads it (7th characters included)."""
    leaves = {c for c in cm.get_all_codes(True) if cm.is_leaf(c) and "-" not in c}
    official = {cm.add_dot(c) if "." not in c and len(c) > 3 else c for c in leaves}
    ours = {c for (c,) in connect().execute("SELECT id FROM cm_node WHERE billable = 1")}
    assert ours == official
    assert store_meta["icd10cm"]["billable"] == len(official) == 74_719  # FY2026 (April 2026 update)


@pytest.mark.parametrize("code", ["S52.501A", "W11.XXXA", "T51.3X1A", "E11.3211", "O33.5XX0", "S06.2X7A"])
def test_seventh_character_codes_are_real_billable_codes(code):
    c = medcode.lookup(code)
    assert c.billable and c.code == code
    assert not medcode.lookup(c.parent).billable


def test_s06_death_codes_take_only_initial_encounter():
    """Category S06 note: 7th characters D and S do not apply to 6th character 7 or 8."""
    assert set(medcode.lookup("S06.2X7").seventh_characters) == {"A"}
    for code in ("S06.2X7D", "S06.2X7S"):
        with pytest.raises(medcode.UnknownCode):
            medcode.lookup(code)


def test_notes_are_inherited_from_category_block_and_chapter():
    c = medcode.lookup("E11.22")
    assert any("N18" in n.text for n in c.use_additional if n.source == "E11.22")
    assert any(n.source == "E11" and "E08.-" in n.refs for n in c.excludes1)
    assert [n.text for n in c.inclusion_terms] == []  # inclusion terms are the code's own only
    assert c.block == "E08-E13" and c.chapter == "4" and c.parent == "E11.2"


def test_every_note_kind_is_stored():
    kinds = {k for (k,) in connect().execute("SELECT DISTINCT kind FROM cm_note")}
    assert kinds == {"includes", "inclusion_terms", "excludes1", "excludes2", "code_first", "use_additional",
                     "code_also", "notes", "seventh_note"}
    assert medcode.lookup("F02.80").code_first  # a manifestation code names its etiology
    assert medcode.lookup("S52").seventh_characters["A"] == "initial encounter for closed fracture"


def test_store_is_read_only():
    with pytest.raises(sqlite3.OperationalError):
        connect().execute("DELETE FROM cm_node")


def test_index_keeps_trails_modifiers_and_cross_references(store_meta):
    needs(store_meta, "icd10cm-index")
    db = connect()
    trail, nemod, code = db.execute(
        "SELECT trail, nemod, code FROM cm_term WHERE book = 'index' AND level = 0 AND title = 'Diabetes, diabetic'"
    ).fetchone()
    assert (nemod, code) == ("(mellitus) (sugar)", "E11.9")
    assert db.execute("SELECT code FROM cm_term WHERE trail = 'Diabetes, diabetic, type 2, with, chronic kidney "
                      "disease'").fetchone() == ("E11.22",)
    assert db.execute("SELECT count(*) FROM cm_term WHERE see != ''").fetchone()[0] > 5000
    assert db.execute("SELECT count(*) FROM cm_term WHERE code LIKE '%-'").fetchone()[0] > 5000  # partial codes


def test_index_entries_not_valid_this_year_are_kept_and_marked(store_meta):
    """The FY2025 index in a FY2026 store: entries whose code became a header are kept, marked invalid."""
    needs(store_meta, "icd10cm-index")
    db = connect()
    stale = db.execute("SELECT t.code FROM cm_term t JOIN cm_node n ON n.id = t.code "
                       "WHERE t.valid = 0 AND n.billable = 0").fetchall()
    assert stale, "expected some index codes that FY2026 expanded into subcodes"
    stale_trails = {t for (t,) in db.execute("SELECT trail FROM cm_term WHERE valid = 0")}
    hits = medcode.search("chromosome abnormality specified", limit=50)
    assert not [h for h in hits if h.via.removeprefix("index: ") in stale_trails]


def test_drug_and_neoplasm_tables(store_meta):
    needs(store_meta, "icd10cm-drug")
    db = connect()
    cells = dict(db.execute("SELECT c.col, c.code FROM cm_cell c JOIN cm_term t ON t.id = c.term "
                            "WHERE t.book = 'drug' AND t.title = 'Acetaminophen'").fetchall())
    assert cells[2] == "T39.1X1" and cells[6] == "T39.1X5" and cells[7] == "T39.1X6"
    heads = dict(db.execute("SELECT col, heading FROM cm_heading WHERE book = 'neoplasm'").fetchall())
    assert heads[3] == "Malignant Secondary"
    lung = dict(db.execute("SELECT c.col, c.code FROM cm_cell c JOIN cm_term t ON t.id = c.term WHERE t.book = "
                           "'neoplasm' AND t.trail = 'Neoplasm, neoplastic, lung'").fetchall())
    assert lung[2] == "C34.9-" and lung[3] == "C78.0-"


def test_pcs_tables_definitions_and_codes(store_meta):
    needs(store_meta, "icd10pcs-tables")
    assert store_meta["icd10pcs"]["codes"] == 79_115 and store_meta["icd10pcs"]["tables"] == 914
    c = medcode.lookup("0DTJ4ZZ")
    axes = {a["axis"]: a for a in c.details["axes"]}
    assert axes["Operation"]["label"] == "Resection"
    assert axes["Operation"]["definition"].startswith("Cutting out or off, without replacement, all of a body part")
    assert axes["Approach"]["label"] == "Percutaneous Endoscopic"
    with pytest.raises(medcode.UnknownCode):
        medcode.lookup("0DTJ4Z1")


def test_hcpcs_codes_modifiers_and_dates(store_meta):
    needs(store_meta, "hcpcs")
    assert store_meta["hcpcs"]["procedures"] == 7_323 and store_meta["hcpcs"]["modifiers"] == 363
    j = medcode.lookup("J1100", system="hcpcs")
    assert j.title == "Injection, dexamethasone sodium phosphate, 1 mg" and j.billable
    assert medcode.lookup("lt", system="hcpcs").details["kind"] == "modifier"
    e = medcode.lookup("E0114")
    assert e.title.endswith("with pads, tips and handgrips")  # continuation lines joined


def test_cpt_descriptions_are_the_kits_own_and_marked():
    c = medcode.lookup("99213")
    assert c.system == "cpt" and "kit wording" in c.details["description_source"]
    assert connect().execute("SELECT count(*) FROM cpt WHERE source != 'kit'").fetchone()[0] == 0


def test_missing_store_gives_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCODE_STORE_DIR", str(tmp_path))
    with pytest.raises(medcode.StoreMissing, match="medcode data build --year 2019"):
        connect(2019)


def test_kit_year_store_exists():
    assert connect(KIT_YEAR).execute("SELECT value FROM meta WHERE key = 'fiscal_year'").fetchone() == ("2026",)
