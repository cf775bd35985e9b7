"""Lookup accepts code input the way people type it and explains what is wrong."""
from __future__ import annotations

import pytest

import medcode
from medcode.codes import candidates, split_codes


@pytest.mark.parametrize("typed", ["E11.22", "e11.22", "e1122", " E11 .22 ", "E1122"])
def test_forgiving_code_input(typed):
    assert medcode.lookup(typed).code == "E11.22"


@pytest.mark.parametrize("typed,system", [("0dtj4zz", "icd10pcs"), ("99213", "cpt"), ("S52501A", "icd10cm")])
def test_system_is_inferred_from_shape(typed, system):
    assert medcode.lookup(typed).system == system


def test_ambiguous_shape_prefers_icd10cm_unless_asked():
    assert medcode.lookup("J1100").code == "J11.00"
    assert candidates("J1100") == [("icd10cm", "J11.00"), ("hcpcs", "J1100")]


def test_unknown_code_names_the_nearest_real_code():
    with pytest.raises(medcode.UnknownCode, match=r"E11\.999 is not an ICD-10-CM code in FY2026.*E11\.9"):
        medcode.lookup("E11.999")
    assert issubclass(medcode.UnknownCode, ValueError)


@pytest.mark.parametrize("bad", [None, "", "   ", "hello world", "'; DROP TABLE cm_node; --", "😀", "x" * 1_000_000])
def test_bad_input_is_a_clear_unknown_code(bad):
    with pytest.raises(medcode.UnknownCode) as e:
        medcode.lookup(bad)
    assert len(str(e.value)) < 300


def test_unknown_system_is_a_clear_value_error():
    with pytest.raises(ValueError, match="Unknown code system 'icd9'"):
        medcode.lookup("E11.22", system="icd9")


def test_year_and_date_select_the_store():
    assert medcode.lookup("E11.22", date="2026-03-02").year == 2026
    assert medcode.fiscal_year("2025-10-01") == 2026 and medcode.fiscal_year("2025-09-30") == 2025
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        medcode.lookup("E11.22", date="March 2")


def test_split_codes_accepts_lists_and_strings():
    assert split_codes("E11.22, N18.31;Z79.4  I10") == ["E11.22", "N18.31", "Z79.4", "I10"]
    assert split_codes(["E11.22", "n18.31 z794"]) == ["E11.22", "n18.31", "z794"]
    for bad in (None, 42, {"a": 1}, [1, 2], "x" * 20_000):
        with pytest.raises(ValueError):
            split_codes(bad)
