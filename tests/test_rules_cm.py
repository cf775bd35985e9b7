"""The ICD-10-CM rules, through medcode.validate, on real FY2026 codes: each rule fires and stays quiet."""
from __future__ import annotations

import pytest

import medcode.rules as registry
from medcode.rules import cm
from medcode.store import available_years
from medcode.validate import validate


@pytest.fixture(autouse=True, scope="module")
def cm_rules():
    """Registers cm.RULES until medcode/rules/__init__.py does (then this adds nothing)."""
    missing = [rule for rule in cm.RULES if rule not in registry.RULES]
    registry.RULES.extend(missing)
    yield
    for rule in missing:
        registry.RULES.remove(rule)


def found(codes, rule, **context):
    """The findings of one rule for a code set."""
    return [f for f in validate(codes, **context) if f.rule == rule]


def only(codes, rule, **context):
    """The one finding of a rule for a code set."""
    hits = found(codes, rule, **context)
    assert len(hits) == 1, hits
    return hits[0]


# Official-guideline-style code sets that are correct for FY2026: no error, no warning.
CORRECT = [
    ["E11.22", "N18.31", "Z79.4"],  # I.C.4.a.3: type 2 DM with diabetic CKD, stage 3a, long-term insulin
    ["I13.0", "I50.22", "N18.4"],  # I.C.9.a.3: hypertensive heart and CKD with heart failure, HF type, CKD stage
    ["G30.1", "F02.80"],  # I.A.13: etiology (Alzheimer's) first, then the manifestation (dementia)
    ["S52.501A", "W11.XXXA", "Y92.009"],  # I.C.19, I.C.20: injury first, then external cause and place
    ["A41.9", "R65.20", "N17.9"],  # I.C.1.d.1: infection, severe sepsis, then the organ dysfunction
    ["Z00.00"],  # I.C.21.c.13: routine adult examination, no abnormal findings
    ["O80", "Z37.0"],  # I.C.15: Z37.0 is the only outcome-of-delivery code used with O80
    ["Z51.11", "Z51.0", "C50.911"],  # I.C.2.e.2: chemotherapy and radiation in one encounter, then the cancer
    ["E66.01", "Z68.41"],  # I.B.14: the BMI code follows the condition it relates to
    ["Z38.00"],  # I.C.16.a: Z38 is principal on the birth record of a liveborn infant
]


@pytest.mark.parametrize("codes", CORRECT, ids=lambda c: "+".join(c))
def test_official_style_code_sets_have_no_error_or_warning(codes):
    serious = [f for f in validate(codes) if f.severity != "info"]
    assert serious == []


def test_findings_carry_rule_severity_codes_message_and_guideline():
    ours = {rule.__name__.removeprefix("rule_") for rule in cm.RULES}
    findings = [f for f in validate(["W11A", "E11.2", "E11.9", "E10.9", "F02.80", "hello"]) if f.rule in ours]
    assert {f.rule for f in findings} >= {"seventh_character", "billable", "excludes1", "etiology_missing", "format"}
    for finding in findings:
        assert finding.rule and finding.severity in ("error", "warning", "info") and finding.codes
        assert finding.guideline.startswith("ICD-10-CM I.") and finding.guideline in finding.message


def test_format_flags_text_shaped_like_no_code():
    f = only(["hello"], "format")
    assert f.severity == "error" and f.codes == ("hello",) and f.guideline == "ICD-10-CM I.A.2"
    assert "not a code in any system" in f.message and "E11.22" in f.message


def test_format_leaves_codes_of_other_systems_and_claim_lines_alone():
    assert found(["E11.9", "0DTJ4ZZ", "99213", "27447-RT*1", "97110*4"], "format") == []


def test_exists_flags_a_code_not_in_the_year_and_names_the_nearest():
    f = only(["E11.999"], "exists")
    assert f.severity == "error" and f.codes == ("E11.999",) and f.guideline == "ICD-10-CM I.B.1"
    assert "not an ICD-10-CM code in FY2026" in f.message and "E11.9" in f.message


def test_exists_follows_the_fiscal_year_of_the_date():
    f = only(["S30.1XXA"], "exists")  # contusion of abdominal wall: expanded to S30.11-S30.13 in FY2026
    assert "S30.11" in f.message
    if 2025 not in available_years():
        pytest.skip("the FY2025 store is not built")
    assert found(["S30.1XXA"], "exists", date="2025-03-02") == []


def test_exists_quiet_for_real_codes():
    assert found(["E11.9", "S52.501A"], "exists") == []


def test_billable_flags_a_subcategory_and_lists_its_codes():
    f = only(["E11.2"], "billable")
    assert f.severity == "error" and f.guideline == "ICD-10-CM I.B.2"
    assert "E11.2 is a subcategory, not a billable code" in f.message
    assert "E11.21, E11.22, E11.29" in f.message and "I.B.2 level of detail" in f.message


def test_billable_flags_a_missing_7th_character_with_placeholder():
    f = only(["W11"], "billable")
    assert f.severity == "error" and f.guideline == "ICD-10-CM I.A.5"
    assert "missing its 7th character" in f.message
    assert "A = initial encounter" in f.message and "S = sequela" in f.message
    assert "W11.XXXA" in f.message and "placeholder X" in f.message and "I.A.4" in f.message


def test_billable_7th_character_without_placeholder():
    f = only(["S52.501"], "billable")
    assert "A = initial encounter for closed fracture" in f.message and "S52.501A" in f.message
    assert "placeholder" not in f.message


def test_billable_quiet_for_billable_codes():
    assert found(["E11.22", "W11.XXXA", "T51.3X1A"], "billable") == []


@pytest.mark.parametrize("typed,right", [("W11A", "W11.XXXA"), ("T5131A", "T51.3X1A"), ("t5131xa", "T51.3X1A")])
def test_seventh_character_missing_or_misplaced_placeholder(typed, right):
    f = only([typed], "seventh_character")
    assert f.severity == "error" and f.guideline == "ICD-10-CM I.A.4"
    assert f"Write {right}" in f.message and "placeholder X" in f.message
    assert found([typed], "exists") == []  # one finding for one mistake


def test_seventh_character_invalid_character():
    f = only(["S52501Z"], "seventh_character")
    assert f.severity == "error" and f.codes == ("S52.501Z",) and f.guideline == "ICD-10-CM I.A.5"
    assert "'Z' is not a valid 7th character for S52.501" in f.message
    assert "A = initial encounter for closed fracture" in f.message and "S52.501A" in f.message


def test_seventh_character_quiet_for_valid_codes_and_plain_typos():
    assert found(["S52.501A", "T51.3X1A", "E11.999"], "seventh_character") == []


def test_duplicate_flags_the_same_code_twice():
    f = only(["E11.22", "N18.31", "e1122"], "duplicate")
    assert f.severity == "warning" and f.codes == ("E11.22",) and f.guideline == "ICD-10-CM I.B.12"
    assert "reported 2 times" in f.message


def test_duplicate_quiet_for_distinct_codes():
    assert found(["E11.22", "N18.31"], "duplicate") == []


def test_excludes1_flags_a_pair_once_with_the_unrelated_exception():
    f = only(["E11.9", "E10.9"], "excludes1")
    assert f.severity == "error" and set(f.codes) == {"E11.9", "E10.9"} and f.guideline == "ICD-10-CM I.A.12.a"
    assert "Excludes1" in f.message and "type 1 diabetes mellitus (E10.-)" in f.message
    assert "unrelated" in f.message


@pytest.mark.parametrize("codes", [["J45.909", "R06.2"], ["N39.0", "N30.00"], ["G63", "E11.42"], ["O80", "Z34.80"]])
def test_excludes1_reads_every_kind_of_reference(codes):
    # a code, a category ("N30.-"), "E08-E13 with .42", and a chapter-level note (chapter 15: Z34.-)
    assert len(found(codes, "excludes1")) == 1


def test_excludes1_quiet_for_codes_that_go_together():
    assert found(["E11.9", "I10", "E78.5", "G63", "E85.4"], "excludes1") == []


def test_excludes2_notes_both_may_be_reported():
    f = only(["J44.1", "J44.0"], "excludes2")
    assert f.severity == "info" and f.guideline == "ICD-10-CM I.A.12.b"
    assert "both may be reported" in f.message


def test_excludes2_ignores_block_level_notes():
    # R10-R19 (a block) excludes2 intestinal obstruction (K56.-): too general to remind about
    assert found(["R10.9", "K56.609"], "excludes2") == []


def test_manifestation_first_flags_the_manifestation_in_first_place():
    f = only(["F02.80", "G30.1"], "manifestation_first")
    assert f.severity == "error" and f.codes == ("F02.80",) and f.guideline == "ICD-10-CM I.A.13"
    assert "manifestation code" in f.message and "G30.1" in f.message and "first" in f.message


def test_manifestation_first_knows_manifestations_by_their_category():
    f = only(["D63.1", "N18.4"], "manifestation_first")  # "Anemia in chronic kidney disease", under D63
    assert "N18.4" in f.message


def test_manifestation_first_quiet_when_the_etiology_leads():
    assert found(["G30.1", "F02.80"], "manifestation_first") == []
    assert found(["N18.4", "D63.1"], "manifestation_first") == []


def test_etiology_missing_names_the_code_first_note():
    f = only(["I10", "F02.80"], "etiology_missing")
    assert f.severity == "warning" and f.codes == ("F02.80",) and f.guideline == "ICD-10-CM I.A.13"
    assert "G30.-" in f.message and "code first" in f.message


def test_etiology_missing_quiet_with_the_etiology():
    assert found(["G30.1", "F02.80"], "etiology_missing") == []


def test_use_additional_reminds_of_the_codes_a_note_asks_for():
    hits = found(["E11.22"], "use_additional")
    assert {f.severity for f in hits} == {"info"} and {f.guideline for f in hits} == {"ICD-10-CM I.B.7"}
    ckd = [f for f in hits if "N18.1-N18.6" in f.message]
    assert len(ckd) == 1 and "stage of chronic kidney disease" in ckd[0].message and "if documented" in ckd[0].message


def test_use_additional_quiet_when_a_referenced_code_is_reported():
    # N18.31 answers "stage of CKD (N18.1-N18.6)"; Z79.4 answers the whole "control using:" list
    assert not any(f.codes == ("E11.22",) for f in found(["E11.22", "N18.31", "Z79.4"], "use_additional"))


def test_use_additional_skips_chapter_level_notes():
    # chapter 10 asks for tobacco codes on every respiratory code; J18.9 is reminded only of its own notes
    assert not any("tobacco" in f.message for f in found(["J18.9"], "use_additional"))


def test_external_cause_first_flags_v00_y99_in_first_place():
    f = only(["W11.XXXA", "S52.501A"], "external_cause_first")
    assert f.severity == "error" and f.codes == ("W11.XXXA",) and f.guideline == "ICD-10-CM I.C.20.a"
    assert "never the principal/first-listed" in f.message


def test_external_cause_first_quiet_after_the_injury():
    assert found(["S52.501A", "W11.XXXA", "Y92.009"], "external_cause_first") == []


@pytest.mark.parametrize("code", ["Z00.00", "Z38.00", "Z51.11", "Z52.3", "Z01.419"])
def test_z_code_position_first_listed_only_codes_later(code):
    f = only(["E11.9", code], "z_code_position")
    assert f.severity == "warning" and f.codes == (code,) and f.guideline == "ICD-10-CM I.C.21.c.16"
    assert "principal/first-listed" in f.message and "same day" in f.message


@pytest.mark.parametrize("code", ["Z68.41", "Z28.310"])
def test_z_code_position_secondary_only_codes_first(code):
    f = only([code, "E66.01"], "z_code_position")
    assert f.severity == "error" and f.codes == (code,) and f.guideline == "ICD-10-CM I.B.14"
    assert "secondary diagnosis" in f.message


@pytest.mark.parametrize("codes", [["Z00.00", "E11.9"], ["E66.01", "Z68.41"], ["E11.9", "Z00.6"],
                                   ["E11.9", "Z52.9"], ["Z51.11", "Z51.0"], ["E11.9", "Z79.4"]])
def test_z_code_position_quiet(codes):
    assert found(codes, "z_code_position") == []


@pytest.mark.parametrize("codes", [["K35.80", "R10.31"], ["I21.4", "R07.9"], ["J18.9", "R05.9"]])
def test_symptom_integral_flags_a_symptom_of_the_confirmed_diagnosis(codes):
    f = only(codes, "symptom_integral")
    assert f.severity == "warning" and f.codes == (codes[1], codes[0]) and f.guideline == "ICD-10-CM I.B.5"
    assert "integral" in f.message and f"Remove {codes[1]}" in f.message


@pytest.mark.parametrize("codes", [["R10.31"], ["K35.80", "R50.9"], ["I10", "R07.9"]])
def test_symptom_integral_quiet(codes):
    assert found(codes, "symptom_integral") == []


def test_forgiving_input_reads_like_the_tidy_list():
    tidy = validate(["E11.22", "N18.31", "Z79.4"])
    assert validate("e11.22,n18.31 z794") == tidy
    assert validate(["e1122", "N1831", " z79.4 "]) == tidy


@pytest.mark.parametrize("bad", [None, ["E11.22", 5], 42])
def test_bad_input_is_a_clear_value_error(bad):
    with pytest.raises(ValueError, match="code"):
        validate(bad)


def test_hostile_text_is_a_format_finding_not_a_traceback():
    flagged = {f.codes[0] for f in found("'; DROP TABLE cm_node; --", "format")}
    assert {"DROP", "TABLE", "cm_node"} <= flagged
    assert validate(["Z00.00"]) == []  # and the store still answers
