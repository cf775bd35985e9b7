"""MS-DRG grouping and what-if through the msdrg grouper, on real FY2026 codes."""
from __future__ import annotations

import datetime as dt
import traceback

import pytest

import medcode
from medcode import drg
from medcode.drg import group, version_for, what_if


@pytest.mark.parametrize("code", ["I50.9", "J96.01", "N17.9", "E11.65", "I50.21", "L89.154", "K35.80", "0DTJ4ZZ"])
def test_the_codes_used_here_are_real_fy2026_codes(code):
    assert medcode.lookup(code, year=2026).billable


def test_heart_failure_alone_is_without_cc_mcc():
    r = group("I50.9")
    assert (r.drg, r.mdc, r.cc_mcc, r.return_code, r.version) == (293, 5, [], "OK", 431)
    assert r.title == "Heart Failure and Shock without CC/MCC"
    assert r.mdc_title == "Diseases and Disorders of the Circulatory System"
    assert r.weight is None  # no IPPS Table 5 in the build: never a made-up number


def test_an_mcc_moves_heart_failure_to_the_mcc_drg():
    r = group("I50.9", ["J96.01"])
    assert (r.drg, r.cc_mcc) == (291, [("J96.01", "MCC")])
    assert "J96.01 MCC" in str(r)


def test_a_cc_moves_heart_failure_to_the_cc_drg():
    r = group("I50.9", "N17.9")
    assert (r.drg, r.cc_mcc) == (292, [("N17.9", "CC")])


@pytest.mark.parametrize("pdx,sdx", [("i509", "j9601"), ("I50.9", ["J96.01"]), (" I50 .9 ", "J9601, ")])
def test_codes_are_accepted_as_people_type_them(pdx, sdx):
    assert group(pdx, sdx).cc_mcc == [("J96.01", "MCC")]


def test_cc_exclusion_is_explained():
    r = group("I50.9", ["I50.21"])
    assert (r.drg, r.cc_mcc) == (293, [])
    assert any("I50.21 is an MCC but is excluded" in m for m in r.messages)


def test_a_hospital_acquired_condition_not_present_on_admission_does_not_count():
    assert group("I50.9", ["L89.154"], poa="YY").drg == 291
    r = group("I50.9", ["L89.154"], poa=["Y", "N"])
    assert (r.drg, r.cc_mcc) == (293, [])
    assert any("not present on admission" in m for m in r.messages)


def test_missing_poa_on_a_hac_code_is_ungroupable():
    r = group("I50.9", ["L89.154"], poa=["Y", "1"])
    assert (r.drg, r.return_code) == (999, "HAC_MISSING_ONE_POA") and r.messages


def test_procedures_group_to_a_surgical_drg():
    r = group("K35.80", ["N17.9"], ["0dtj4zz"])
    assert r.drg in (397, 398, 399) and "Appendix" in r.title and r.cc_mcc == [("N17.9", "CC")]


@pytest.mark.parametrize("date,version", [(None, 431), (dt.date(2025, 10, 1), 430), (dt.date(2026, 3, 31), 430),
                                          (dt.date(2026, 4, 1), 431), (dt.date(2026, 9, 30), 431)])
def test_version_follows_the_discharge_date(date, version):
    assert version_for(date) == version
    assert group("I50.9", date=date).version == version


def test_one_grouper_and_one_editor_per_process():
    assert drg._engine("group") is drg._engine("group") and drg._engine("edit") is drg._engine("edit")


# ---------------------------------------------------------------- what if


def test_adding_a_cc_changes_the_drg():
    w = what_if("I50.9", [], add="n179")
    assert (w.before.drg, w.after.drg) == (293, 292)
    assert w.explanation.startswith("Adding N17.9 (Acute kidney failure, unspecified, a CC) moves the case "
                                    "from DRG 293")


def test_removing_the_mcc_changes_the_drg():
    w = what_if("I50.9", ["J96.01"], remove="J96.01")
    assert (w.before.drg, w.after.drg) == (291, 293)
    assert "Removing J96.01" in w.explanation and "an MCC" in w.explanation and "to DRG 293" in str(w)


def test_removing_the_mcc_keeps_a_remaining_cc():
    w = what_if("I50.9", ["J96.01", "N17.9"], poa="YYY", remove="J96.01")
    assert (w.before.drg, w.after.drg) == (291, 292) and w.after.cc_mcc == [("N17.9", "CC")]


@pytest.mark.parametrize("pdx,sdx,add,why", [("I50.9", [], "E11.65", "not a CC or MCC"),
                                             ("I50.9", [], "I50.21", "excluded with this principal diagnosis"),
                                             ("I50.9", ["J96.01"], "N17.9", "not one this DRG needed")])
def test_adding_a_code_that_does_not_count_leaves_the_drg(pdx, sdx, add, why):
    w = what_if(pdx, sdx, add=add)
    assert w.before.drg == w.after.drg and "leaves the case in DRG" in w.explanation and why in w.explanation


@pytest.mark.parametrize("kw,match", [({}, "exactly one"), ({"add": "N17.9", "remove": "J96.01"}, "exactly one"),
                                      ({"remove": "N17.9"}, "not a secondary diagnosis"),
                                      ({"add": "J96.01"}, "already on the claim")])
def test_what_if_asks_for_one_change_that_makes_sense(kw, match):
    with pytest.raises(ValueError, match=match):
        what_if("I50.9", ["J96.01"], **kw)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kw,match", [
    ({"pdx": "XYZ"}, "not an ICD-10-CM diagnosis code"),
    ({"pdx": None}, "not an ICD-10-CM diagnosis code"),
    ({"pdx": "I50"}, r"I50 \(Heart failure\) is a heading"),
    ({"pdx": "I50.9", "sdx": ["E11.999"]}, r"E11\.999 is not an ICD-10-CM code"),
    ({"pdx": "I50.9", "procedures": ["0DTJ4ZY"]}, "0DTJ4ZY is not an ICD-10-PCS code"),
    ({"pdx": "I50.9", "discharge_status": 99}, "not a CMS patient discharge status"),
    ({"pdx": "I50.9", "age": 200}, "outside 0-124"),
    ({"pdx": "I50.9", "sex": "x"}, "Unknown sex"),
    ({"pdx": "I50.9", "sdx": ["J96.01"], "poa": ["Y"]}, "1 POA indicator"),
    ({"pdx": "I50.9", "poa": ["X"]}, "'X' is not a POA indicator"),
    ({"pdx": "I50.9", "poa": 5}, "not a list of indicators"),
    ({"pdx": "I50.9", "date": "2021-06-01"}, "no MS-DRG grouper for FY2021"),
    ({"pdx": "I50.9", "date": "tomorrow"}, "not a date"),
])
def test_bad_input_is_a_clear_value_error_not_an_msdrg_traceback(kw, match):
    with pytest.raises(ValueError, match=match) as e:
        group(**kw)
    assert not any("/msdrg/" in frame.filename for frame in traceback.extract_tb(e.tb))


def test_valid_discharge_status_is_accepted():
    assert group("I50.9", discharge_status=20).drg in (291, 292, 293)
