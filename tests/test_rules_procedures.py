"""Procedure rules (medcode.rules.procedures) through medcode.validate, on real FY2026 codes read from the store."""
from __future__ import annotations

import sqlite3

import pytest

import medcode.rules
import medcode.validate
from medcode.data.paths import PACKAGE_DIR
from medcode.rules import procedures
from medcode.store import KIT_YEAR, connect
from medcode.validate import validate

DOS = "2026-03-02"  # a FY2026 date of service
PCS_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@pytest.fixture(autouse=True)
def procedure_rules(monkeypatch, tmp_path):
    """Run only the procedure rules, with the teaching PTP sample (no official PTP file in reach)."""
    saved = list(medcode.rules.RULES)
    medcode.rules.RULES[:] = procedures.RULES
    monkeypatch.delenv("MEDCODE_CMS_DIR", raising=False)
    monkeypatch.setenv("MEDCODE_FETCH_DIR", str(tmp_path / "no-fetch-cache"))
    yield
    medcode.rules.RULES[:] = saved


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    return connect(KIT_YEAR)


def run(codes, **kw):
    kw.setdefault("date", DOS)
    return validate(codes, **kw)


def of(findings, rule, severity=None):
    return [f for f in findings if f.rule == rule and severity in (None, f.severity)]


def one(db, sql, *args):
    row = db.execute(sql, args).fetchone()
    assert row is not None, f"the store has no row for: {sql} {args}"
    return row


def mue(db, code) -> int:
    return one(db, "SELECT units FROM mue WHERE code = ?", code)[0]


# --- every finding is complete ------------------------------------------------------------------------------

def test_every_finding_has_rule_severity_codes_message_and_guideline():
    findings = run("0DTJ4Z1 C5271 20610-25 27447-LT-RT 11042-59-XS 99213*3 93000 93010 27447-51 0042T 27447 RT")
    assert {f.rule for f in findings} == {"pcs_valid", "hcpcs_exists", "modifier_valid", "mue_units", "ncci_ptp",
                                          "cpt_format", "claim_line"}
    for f in findings:
        assert f.severity in ("error", "warning", "info") and f.codes and len(f.message) > 40 and f.guideline


# --- pcs_valid ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["0DTJ4ZZ", "0DTQ4ZZ"])
def test_pcs_code_from_one_table_row_is_valid(db, code):
    one(db, "SELECT code FROM pcs_code WHERE code = ?", code)
    assert run(code) == []


def test_pcs_qualifier_not_in_the_row_names_the_7th_character_and_the_valid_ones(db):
    valid = [c for (c,) in db.execute("SELECT code FROM pcs_code WHERE code LIKE '0DTJ4Z_'")]
    assert valid and "0DTJ4Z1" not in valid
    [f] = run("0DTJ4Z1")
    assert (f.rule, f.severity) == ("pcs_valid", "error")
    assert "0DTJ4Z1: the 7th character (Qualifier) '1' is not valid for 0DTJ4Z: valid qualifiers are" in f.message
    for code in valid:
        label = one(db, "SELECT label FROM pcs_axis WHERE tbl = '0DT' AND pos = 7 AND value = ?", code[6])[0]
        assert f"{code[6]} ({label})" in f.message
    assert "A.9" in f.guideline and "single row" in f.guideline


def test_pcs_body_part_missing_from_the_table(db):
    used = {v for (v,) in db.execute("SELECT value FROM pcs_axis WHERE tbl = '0DT' AND pos = 4")}
    char = next(c for c in PCS_ALPHABET if c not in used)
    [f] = run(f"0DT{char}4ZZ")
    op = one(db, "SELECT label FROM pcs_axis WHERE tbl = '0DT' AND row = 0 AND pos = 3")[0]
    body_system = one(db, "SELECT label FROM pcs_axis WHERE tbl = '0DT' AND row = 0 AND pos = 2")[0]
    assert f"the 4th character (Body Part) '{char}' does not exist in table 0DT ({op}, {body_system})" in f.message


def test_pcs_approach_not_valid_for_the_body_part(db):
    approaches = {c[4] for (c,) in db.execute("SELECT code FROM pcs_code WHERE code LIKE '0DTJ%'")}
    char = next(c for c in PCS_ALPHABET if c not in approaches)
    [f] = run(f"0DTJ{char}ZZ")
    assert f"the 5th character (Approach) '{char}' is not valid for 0DTJ: valid approaches are" in f.message
    assert all(f"{a} (" in f.message for a in approaches)


def test_pcs_table_that_does_not_exist(db):
    assert db.execute("SELECT 1 FROM pcs_axis WHERE tbl LIKE '0Z%'").fetchone() is None
    [f] = run("0ZZZZZZ")
    assert "table 0ZZ does not exist: the 2nd character (Body System) 'Z' is not used with 0 (" in f.message


# --- hcpcs_exists -------------------------------------------------------------------------------------------

def test_active_hcpcs_code_is_valid(db):
    added, ended = one(db, "SELECT added, terminated FROM hcpcs WHERE code = 'J1100' AND kind = 'procedure'")
    assert added <= DOS and not ended
    assert run("J1100", system="hcpcs") == []
    assert run("J1100*1") == []  # units make the letter-and-digits reading a HCPCS line


def test_terminated_hcpcs_code_is_an_error_after_its_last_date(db):
    code, ended = one(db, "SELECT code, terminated FROM hcpcs WHERE kind = 'procedure' AND terminated != '' AND "
                          "terminated <= '2025-12-31' AND added <= '2025-10-01' ORDER BY terminated DESC, code")
    [f] = of(run(code, system="hcpcs"), "hcpcs_exists")
    assert f.severity == "error" and ended in f.message and "deleted" in f.message
    assert of(run(code, system="hcpcs", date=ended), "hcpcs_exists") == []


def test_hcpcs_code_added_after_the_date_of_service(db):
    code, added = one(db, "SELECT code, added FROM hcpcs WHERE kind = 'procedure' AND added > '2025-10-01' AND "
                          "added <= ? AND terminated = '' ORDER BY code", DOS)
    [f] = of(run(code, system="hcpcs", date="2025-10-01"), "hcpcs_exists")
    assert f.severity == "error" and f"added to HCPCS Level II on {added}" in f.message
    assert of(run(code, system="hcpcs"), "hcpcs_exists") == []
    [f] = of(run(code, system="hcpcs", date=None), "hcpcs_exists")  # no date: the fiscal year's start
    assert "the start of FY2026" in f.message


def test_hcpcs_code_not_in_the_file(db):
    code = next(c for c in (f"J{n:04d}" for n in range(9999, 0, -1))
                if not db.execute("SELECT 1 FROM hcpcs WHERE code = ?", (c,)).fetchone())
    [f] = of(run(code, system="hcpcs"), "hcpcs_exists")
    assert f.severity == "error" and f"{code} is not in the HCPCS Level II file" in f.message


def test_store_without_hcpcs_or_mue_data_gives_one_info_and_no_errors(monkeypatch, tmp_path):
    empty = sqlite3.connect(tmp_path / "empty.sqlite")
    empty.executescript((PACKAGE_DIR / "data" / "schema.sql").read_text())
    monkeypatch.setattr(medcode.validate, "connect", lambda year: empty)
    findings = run("J1100*1 27447-RT 99213*3")
    assert [f.severity for f in findings if f.severity != "info"] == []
    [f] = of(findings, "hcpcs_exists")
    assert "not in the FY2026 store" in f.message and "medcode data fetch" in f.message
    assert "MEDCODE_CMS_DIR" in f.message and of(findings, "mue_units") == []


# --- cpt_format ---------------------------------------------------------------------------------------------

def test_cpt_code_in_the_teaching_list_is_clean(db):
    one(db, "SELECT code FROM cpt WHERE code = '99213'")
    assert run("99213") == []


@pytest.mark.parametrize("shape", ["{:05d}", "{:04d}T", "{:04d}F", "{:04d}U"])
def test_cpt_shaped_code_missing_from_the_teaching_list_is_only_info(db, shape):
    code = next(c for c in (shape.format(n) for n in range(1, 10000))
                if not db.execute("SELECT 1 FROM cpt WHERE code = ?", (c,)).fetchone())
    [f] = run(code)
    assert (f.rule, f.severity) == ("cpt_format", "info") and "CPT book" in f.message


def test_malformed_five_character_cpt_code_is_an_error():
    [f] = run("9921A")
    assert (f.rule, f.severity) == ("cpt_format", "error") and "five digits" in f.message


# --- claim-line syntax --------------------------------------------------------------------------------------

@pytest.mark.parametrize("codes, says", [
    ("27447 RT", "attach it with a hyphen"),
    ("97110*X", "whole number"),
    ("97110*0", "whole number"),
    ("27447-R", "'R' is not a modifier"),
    ("E11.9-RT", "not on ICD-10 codes"),
])
def test_claim_line_syntax_errors(codes, says):
    [f] = of(run(codes), "claim_line")
    assert f.severity == "error" and says in f.message and "CODE-MOD-MOD*UNITS" in f.message


# --- modifier_valid -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("codes", ["99213-25", "27447-RT", "20610-LT", "64483-50", "11042-XS", "71046-26",
                                   "11042-59", "27447-RT*1"])
def test_modifiers_that_fit_their_code(codes):
    assert run(codes) == []


@pytest.mark.parametrize("codes, severity, says", [
    ("20610-25", "error", "goes on the E/M code"),
    ("27447-LT-RT", "error", "LT and RT on one line"),
    ("64483-50-LT", "error", "50 already means both sides"),
    ("71046-26-TC", "error", "26 (professional component only) and TC"),
    ("11042-59-XS", "warning", "Keep XS and drop 59"),
    ("27447-51", "info", "multiple-procedure reduction"),
    ("27447-49", "error", "49 is not a CPT modifier the kit knows"),
])
def test_modifier_logic(codes, severity, says):
    [f] = of(run(codes), "modifier_valid")
    assert f.severity == severity and says in f.message


def test_level_two_modifier_must_exist_and_be_active(db):
    absent = next(a + b for a in "ZYXWV" for b in "ZYXWV"
                  if not db.execute("SELECT 1 FROM hcpcs WHERE code = ?", (a + b,)).fetchone())
    [f] = of(run(f"27447-{absent}"), "modifier_valid")
    assert f.severity == "error" and f"{absent} is not in the HCPCS Level II file" in f.message
    mod, ended = one(db, "SELECT code, terminated FROM hcpcs WHERE kind = 'modifier' AND terminated != '' AND "
                         "terminated < ? ORDER BY terminated DESC, code", DOS)
    [f] = of(run(f"J1100-{mod}"), "modifier_valid")
    assert f.severity == "error" and ended in f.message


# --- ncci_ptp (teaching sample) -----------------------------------------------------------------------------

def sample_edit(c1, c2):
    return next(e for e in procedures.load_ptp(procedures.SAMPLE_PTP) if e[:2] == (c1, c2))


def test_sample_is_labelled_and_in_the_official_layout():
    first = procedures.SAMPLE_PTP.read_text().splitlines()[0]
    assert first.startswith("#") and "NOT CMS DATA" in first.upper()
    edits = procedures.load_ptp(procedures.SAMPLE_PTP)
    assert 8 <= len(edits) <= 15 and {e[4] for e in edits} == {"0", "1", "9"}
    assert all(len(e) == 6 and e[2][4] == "-" for e in edits)


def test_ptp_indicator_0_is_an_error_even_with_a_modifier():
    assert sample_edit("93000", "93010")[4] == "0"
    for codes in ("93000 93010", "93010 93000", "93000-59 93010-XS"):
        [f] = of(run(codes), "ncci_ptp")
        assert f.severity == "error" and f.codes == ("93000", "93010")
        assert "(teaching sample, not CMS data)" in f.message and f.guideline == "NCCI Policy Manual, Chapter I"
    assert of(run("93000 99213"), "ncci_ptp") == []


def test_ptp_indicator_1_needs_an_ncci_associated_modifier():
    assert sample_edit("45385", "45380")[4] == "1"
    [f] = of(run("45380 45385"), "ncci_ptp")
    assert f.severity == "error" and "45380-XS" in f.message
    [f] = of(run("45385 45380-XS"), "ncci_ptp")
    assert f.severity == "info" and "XS" in f.message and "(teaching sample, not CMS data)" in f.message
    [f] = of(run("45385-59 45380"), "ncci_ptp")
    assert f.severity == "info"


def test_ptp_indicator_1_with_sides_only_when_the_sides_differ():
    assert sample_edit("29881", "29877")[4] == "1"
    assert of(run("29881-RT 29877-LT"), "ncci_ptp")[0].severity == "info"
    assert of(run("29881-RT 29877-RT"), "ncci_ptp")[0].severity == "error"
    assert of(run("29881 29877-LT"), "ncci_ptp")[0].severity == "error"


def test_ptp_indicator_9_and_deleted_edits_give_no_finding():
    assert sample_edit("97530", "97161")[4] == "9"
    assert of(run("97530 97161"), "ncci_ptp") == []
    assert sample_edit("17110", "17000")[3] == "2023-12-31"
    assert of(run("17110 17000"), "ncci_ptp") == []


# --- ncci_ptp (official layout via MEDCODE_CMS_DIR) ----------------------------------------------------------

OFFICIAL = "\n".join("\t".join(row) for row in [  # the CMS practitioner PTP .txt layout, made-up rows
    ["CPT only copyright 2025 American Medical Association. All rights reserved."], [""],
    ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date *=no data",
     "Modifier 0=not allowed 1=allowed 9=not applicable", "PTP Edit Rationale"], [""] * 7,
    ["29881", "29880", "", "20200101", "*", "0", "More extensive procedure"],
    ["45385", "45380", "*", "19960101", "*", "9", "Test row"],
    ["93000", "93010", "*", "19960101", "20201231", "0", "Deleted test row"]]) + "\n"


def test_load_ptp_reads_the_tab_delimited_layout_and_skips_headers(tmp_path):
    path = tmp_path / "ccipra-v320r0-f1.txt"
    path.write_text(OFFICIAL, encoding="latin-1")
    assert procedures.load_ptp(path) == [
        ("29881", "29880", "2020-01-01", "", "0", "More extensive procedure"),
        ("45385", "45380", "1996-01-01", "", "9", "Test row"),
        ("93000", "93010", "1996-01-01", "2020-12-31", "0", "Deleted test row")]
    assert procedures.load_ptp(path, {"45385", "45380"}) == [("45385", "45380", "1996-01-01", "", "9", "Test row")]


def test_official_file_in_medcode_cms_dir_replaces_the_sample(monkeypatch, tmp_path):
    (tmp_path / "ccipra-v320r0-f1.txt").write_text(OFFICIAL, encoding="latin-1")
    monkeypatch.setenv("MEDCODE_CMS_DIR", str(tmp_path))
    [f] = of(run("29881 29880"), "ncci_ptp")
    assert f.severity == "error" and "teaching sample" not in f.message
    assert of(run("45385 45380"), "ncci_ptp") == []  # indicator 9 in this file
    assert of(run("93000 93010"), "ncci_ptp") == []  # deleted before the date of service


# --- mue_units ----------------------------------------------------------------------------------------------

def test_units_over_the_mue_are_an_error(db):
    limit = mue(db, "99213")
    assert limit == 2
    [f] = of(run(f"99213*{limit + 1}"), "mue_units")
    assert f.severity == "error" and f"MUE is {limit}" in f.message and "*N" in f.message
    assert of(run(f"99213*{limit}"), "mue_units") == []


def test_date_of_service_mue_adds_up_every_line(db):
    indicator = one(db, "SELECT indicator FROM mue WHERE code = '99213'")[0]
    assert indicator[0] in "23"
    [f] = of(run("99213*1 99213*2"), "mue_units")
    assert "3 units on this date" in f.message


def test_units_within_the_mue_are_clean(db):
    assert mue(db, "97110") >= 4
    assert run("97110*4") == []


def test_line_edit_mue_counts_each_line_alone(db):
    code, limit = one(db, "SELECT m.code, m.units FROM mue m JOIN hcpcs h USING (code) WHERE m.indicator LIKE '1%' "
                          "AND m.units > 0 AND h.terminated = '' AND h.added <= ? ORDER BY m.units, m.code", DOS)
    [f] = of(run(f"{code}*{limit + 1}"), "mue_units")
    assert f.severity == "error" and "on the line" in f.message
    assert of(run(" ".join([f"{code}*{limit}"] * 2)), "mue_units") == []
