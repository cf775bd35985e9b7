"""The Medicare Code Editor rules, run through medcode.validate on real FY2026 codes."""
from __future__ import annotations

import pytest

import medcode
import medcode.rules
from medcode.drg import mce_edits
from medcode.rules import mce
from medcode.validate import validate

CODES = ["O80", "Z00.121", "Z00.00", "Z38.00", "C61", "I50.9", "J96.01", "V00.01XA", "S72.001A", "D63.0",
         "C50.911", "E11.9", "Z86.73", "L89.154", "5A1955Z"]


@pytest.fixture(scope="module", autouse=True)
def only_mce_rules():
    """Run just these rules (they are registered in medcode.rules separately), then put the list back."""
    saved = list(medcode.rules.RULES)
    medcode.rules.RULES[:] = mce.RULES
    yield
    medcode.rules.RULES[:] = saved


def check(codes, **kw) -> dict[str, list]:
    """Findings by rule name."""
    out: dict[str, list] = {}
    for f in validate(codes, **kw):
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.mark.parametrize("code", CODES)
def test_the_codes_used_here_are_real_fy2026_codes(code):
    assert medcode.lookup(code, year=2026).billable


# ---------------------------------------------------------------- age


def test_child_exam_for_an_adult_is_an_age_conflict():
    [f] = check("Z00.121", age=45)["mce-age"]
    assert (f.severity, f.codes) == ("error", ("Z00.121",))
    assert "pediatric" in f.message and "ages 0-17" in f.message and "45-year-old" in f.message
    assert f.guideline == "ICD-10-CM I.B (code assignment); Medicare Code Editor age/sex edits"


@pytest.mark.parametrize("codes,age", [("Z00.00", 45), ("Z00.121", 5), ("O80", 28), ("Z38.00", 0)])
def test_codes_that_fit_the_age_are_clean(codes, age):
    assert check(codes, age=age) == {}


@pytest.mark.parametrize("code,age,group", [("O80", 70, "maternity"), ("Z38.00", 40, "newborn"),
                                            ("Z00.00", 5, "adult")])
def test_each_mce_age_group(code, age, group):
    [f] = check(code, age=age)["mce-age"]
    assert f.severity == "error" and f"a {group} code" in f.message


def test_age_rule_needs_an_age():
    assert "mce-age" not in check("Z00.121")


# ---------------------------------------------------------------- sex


def test_the_fy2026_mce_no_longer_has_a_sex_edit():
    assert "SEX_CONFLICT" in mce_edits("O80", sex="M", discharge=20240930)
    assert "SEX_CONFLICT" not in mce_edits("O80", sex="M", discharge=20260930)


def test_maternity_code_for_a_male_is_a_sex_conflict_warning():
    [f] = check("O80", sex="M", age=30)["mce-sex"]
    assert (f.severity, f.codes) == ("warning", ("O80",))
    assert "O80" in f.message and "maternity code" in f.message and "male patient (sex conflict)" in f.message
    assert "retired" in f.message and f.guideline.endswith("Medicare Code Editor age/sex edits")


def test_male_only_code_for_a_female_is_a_sex_conflict_warning():
    [f] = check("C61", sex="female")["mce-sex"]
    assert "male-only code" in f.message and "female patient" in f.message


@pytest.mark.parametrize("codes,sex", [("O80", "F"), ("C61", "M"), ("O80", "U"), ("O80", None)])
def test_codes_that_fit_the_sex_are_clean(codes, sex):
    assert check(codes, sex=sex, age=28 if codes == "O80" else 70) == {}


# ---------------------------------------------------------------- principal diagnosis (inpatient)


@pytest.mark.parametrize("codes,what", [("Z00.00", "unacceptable principal"), ("V00.01XA S72.001A", "external cause"),
                                        ("D63.0 C50.911", "manifestation")])
def test_principal_the_mce_rejects_is_an_error(codes, what):
    [f] = check(codes, setting="inpatient")["mce-principal"]
    assert f.severity == "error" and what in f.message and f.codes == (codes.split()[0],)
    assert f.guideline == "ICD-10-CM Section II; Medicare Code Editor"


@pytest.mark.parametrize("codes", ["I50.9", "S72.001A V00.01XA", "C50.911 D63.0", "I50.9 Z00.00"])
def test_acceptable_principal_is_clean(codes):
    assert check(codes, setting="inpatient") == {}


def test_questionable_admission_is_only_a_warning():
    [f] = check("E11.9", setting="inpatient")["mce-principal"]
    assert f.severity == "warning" and "questionable admission" in f.message


@pytest.mark.parametrize("setting", ["office", "emergency", None])
def test_principal_rule_is_inpatient_only(setting):
    assert check("Z00.00", setting=setting) == {}


# ---------------------------------------------------------------- POA (inpatient)


@pytest.mark.parametrize("flag", ["Y", "N", "U", "W"])
def test_poa_y_n_u_w_are_valid(flag):
    assert check("I50.9 J96.01", setting="inpatient", poa=["Y", flag]) == {}


@pytest.mark.parametrize("flag", ["1", ""])
def test_poa_1_or_blank_is_valid_but_exemption_cannot_be_confirmed(flag):
    [f] = check("I50.9 Z86.73", setting="inpatient", poa=["Y", flag])["poa-exempt"]
    assert f.severity == "info" and f.codes == ("Z86.73",) and "POA-exempt list" in f.message


def test_poa_x_is_invalid():
    [f] = check("I50.9 J96.01", setting="inpatient", poa=["Y", "X"])["poa-value"]
    assert (f.severity, f.codes) == ("error", ("J96.01",)) and "'X' is not a POA indicator" in f.message
    assert f.guideline == "ICD-10-CM Appendix I (POA reporting guidelines)"


def test_exempt_code_with_y_is_not_flagged_because_the_mce_has_no_exempt_list():
    assert check("I50.9 Z86.73", setting="inpatient", poa="YY") == {}  # Z86 is POA-exempt (Appendix I)


def test_hospital_acquired_condition_without_poa_is_an_error():
    found = check("I50.9 L89.154", setting="inpatient", poa=["Y", "1"])
    [f] = found["poa-hac"]
    assert f.severity == "error" and "hospital-acquired condition" in f.message and "999" in f.message
    assert "poa-exempt" not in found
    assert check("I50.9 L89.154", setting="inpatient", poa=["Y", "N"]) == {}


@pytest.mark.parametrize("poa", [["Y", "N", "Y"], ["Y"]])
def test_poa_count_must_match_the_diagnoses(poa):
    [f] = check("I50.9 J96.01", setting="inpatient", poa=poa)["poa-count"]
    assert f.severity == "error" and f"{len(poa)} POA indicator(s)" in f.message and "2 diagnosis code(s)" in f.message


def test_procedure_codes_take_no_poa():
    assert check("I50.9 J96.01 5A1955Z", setting="inpatient", poa=["Y", "N"]) == {}
    assert "poa-count" in check("I50.9 J96.01 5A1955Z", setting="inpatient", poa=["Y", "N", "Y"])


def test_poa_for_an_outpatient_claim_is_info():
    [f] = check("I50.9 J96.01", setting="office", poa="YY")["poa-setting"]
    assert f.severity == "info" and "inpatient claims only" in f.message
    assert check("I50.9 J96.01", setting="inpatient", poa="YY") == {}
    assert check("I50.9 J96.01", poa="YY") == {}


def test_every_finding_says_what_why_and_how():
    findings = validate("Z00.121 V00.01XA", setting="inpatient", age=45, sex="M", poa=["Y", "X"])
    assert {f.rule for f in findings} == {"mce-age", "mce-principal", "poa-value"}
    assert all(f.guideline and len(f.message) > 80 for f in findings)
