"""The build: official index XML format, a store without optional files, a licensed CPT file."""
from __future__ import annotations

import pytest

import medcode
from medcode.data import cm_index, cpt
from medcode.data.build import build
from medcode.data.sources import discover, identify

# A few entries in the official Alphabetic Index XML format (icd10cm-index XSD): nonessential modifiers,
# see / see also, codes, a manifestation code and a partial code, nested subterms.
INDEX_XML = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index><version>2026</version><title>ICD-10-CM INDEX TO DISEASES and INJURIES</title>
<letter><title>D</title>
 <mainTerm><title>Diabetes, diabetic<nemod>(mellitus) (sugar)</nemod></title><code>E11.9</code>
  <term level="1"><title>type 2</title><code>E11.9</code>
   <term level="2"><title>with</title>
    <term level="3"><title>chronic kidney disease</title><code>E11.22</code></term>
    <term level="3"><title>cataract</title><code>E11.36</code><manif>H28</manif></term>
   </term>
  </term>
  <term level="1"><title>brittle</title><see>Diabetes, type 1</see></term>
 </mainTerm>
 <mainTerm><title>Dysplasia</title><seeAlso>Anomaly</seeAlso>
  <term level="1"><title>breast</title><code>N60.9-</code></term>
 </mainTerm>
</letter></ICD10CM.index>
"""


def test_official_index_xml_keeps_every_part(tmp_path):
    path = tmp_path / "icd10cm-index-2026.xml"
    path.write_text(INDEX_XML)
    assert identify(path).kind == "icd10cm-index" and identify(path).year == 2026
    terms, _ = cm_index.parse_xml(path, "index")
    by_trail = {t.trail: t for t in terms}
    main = by_trail["Diabetes, diabetic"]
    assert (main.nemod, main.code, main.level) == ("(mellitus) (sugar)", "E11.9", 0)
    assert by_trail["Diabetes, diabetic, type 2, with, chronic kidney disease"].code == "E11.22"
    assert by_trail["Diabetes, diabetic, type 2, with, cataract"].manif == "H28"
    assert by_trail["Diabetes, diabetic, brittle"].see == "Diabetes, type 1"
    assert by_trail["Dysplasia"].see_also == "Anomaly"
    assert by_trail["Dysplasia, breast"].code == "N60.9-"


@pytest.fixture(scope="module")
def bare_store(tmp_path_factory):
    """A FY2026 store built from the tabular only, with a licensed CPT file."""
    tmp = tmp_path_factory.mktemp("store")
    cpt_file = tmp / "cpt-licensed.txt"
    cpt_file.write_text("code\tdescriptor\n99213\tLICENSED DESCRIPTOR TEXT FOR TEST\n")
    tabular = {k: v for k, v in discover().items() if k == ("icd10cm-tabular", 2026)}
    return build(2026, tabular, cpt_file, dest=tmp / "fy2026.sqlite")


def test_store_without_optional_files_says_how_to_get_them(bare_store, monkeypatch):
    monkeypatch.setenv("MEDCODE_STORE_DIR", str(bare_store.parent))
    monkeypatch.setattr("medcode.store._open", {})
    assert medcode.lookup("E11.22").billable  # ICD-10-CM still works
    with pytest.raises(medcode.StoreMissing, match="medcode data fetch"):
        medcode.lookup("J1100", system="hcpcs")
    assert medcode.search("heart attack")  # titles and synonyms still answer without the Index
    from medcode.data.info import info

    missing = info()["missing"]
    assert any("HCPCS Level II" in m and "MEDCODE_CMS_DIR" in m for m in missing)


def test_licensed_cpt_file_replaces_kit_wording(bare_store, monkeypatch):
    monkeypatch.setenv("MEDCODE_STORE_DIR", str(bare_store.parent))
    monkeypatch.setattr("medcode.store._open", {})
    c = medcode.lookup("99213")
    assert c.title == "LICENSED DESCRIPTOR TEXT FOR TEST" and c.details["description_source"] == "licensed AMA CPT file"


def test_licensed_cpt_file_without_codes_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a CPT file\n")
    with pytest.raises(ValueError, match="no rows of the form CODE"):
        cpt.licensed_file(bad)


def test_kit_cpt_wording_is_ours():
    rows = cpt.kit_descriptions()
    assert len(rows) >= 180
    assert not [d for _, d, _, _ in rows if "evaluation and management of" in d.lower() or len(d) > 90]


def test_drg_weight_comes_from_ipps_table5_when_present(tmp_path, monkeypatch):
    """Table 5 in CMS's layout (header row, tab-separated); a made-up two-row file, not CMS figures."""
    table5 = tmp_path / "FY 2026 Final Rule Table 5 test.txt"
    table5.write_text("TABLE 5 - TEST FILE (not CMS data)\nMS-DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\t"
                      "Geometric mean LOS\tArithmetic mean LOS\n291\t05\tMED\tHEART FAILURE\t1.2345\t3.9\t4.8\n"
                      "293\t05\tMED\tHEART FAILURE\t0.6789\t2.4\t2.9\n", encoding="cp1252")
    assert identify(table5).kind == "ipps-table5" and identify(table5).year == 2026
    found = {k: v for k, v in discover().items() if k == ("icd10cm-tabular", 2026)}
    build(2026, {**found, ("ipps-table5", 2026): table5}, dest=tmp_path / "store" / "fy2026.sqlite")
    monkeypatch.setenv("MEDCODE_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setattr("medcode.store._open", {})
    from medcode import drg

    assert drg.group("I50.9", age=70, sex="F").weight == 0.6789
    assert drg.group("I50.9", ["J96.01"], age=70, sex="F").weight == 1.2345
