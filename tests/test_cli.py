"""The medcode command: every verb, human and --json output, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medcode.cli", *args], capture_output=True, text=True, timeout=120)


def test_search_json():
    out = run("search", "type", "2", "diabetes", "with", "ckd", "--limit", "5", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert "E11.22" in [h["code"] for h in hits]
    assert set(hits[0]) == {"code", "title", "billable", "score", "via", "system"}


def test_search_text_and_filters():
    out = run("search", "fracture", "radius", "--billable", "--chapter", "19", "--limit", "3")
    assert out.returncode == 0 and out.stdout.count("via ") == 3 and "(header)" not in out.stdout


def test_show_text_and_json():
    out = run("show", "e1122")
    assert out.returncode == 0 and "E11.22  Type 2 diabetes mellitus with diabetic chronic kidney disease" in out.stdout
    assert "use_additional: code to identify stage of chronic kidney disease (N18.1-N18.6)" in out.stdout
    data = json.loads(run("show", "S52.501A", "--json").stdout)
    assert data["billable"] and data["parent"] == "S52.501"


def test_show_unknown_code_is_one_clear_line():
    out = run("show", "E11.999")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("medcode: E11.999 is not an ICD-10-CM code in FY2026")


def test_data_info_json():
    out = run("data", "info", "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["stores"]["2026"]["systems"]["icd10cm"]["billable"] == 74_719


def test_help_lists_the_verbs():
    out = run("--help")
    assert all(v in out.stdout for v in ("search", "show", "data"))


def test_validate_text_json_and_exit_code():
    out = run("validate", "F02.80", "G30.1", "--setting", "office")
    assert out.returncode == 1 and "manifestation_first" in out.stdout and "I.A.13" in out.stdout
    clean = run("validate", "e1122", "n1831", "z794", "--setting", "office", "--age", "67", "--sex", "F", "--json")
    assert clean.returncode == 0 and not [f for f in json.loads(clean.stdout) if f["severity"] == "error"]


def test_validate_bad_context_is_one_clear_line():
    out = run("validate", "E11.22", "--age", "200")
    assert out.returncode == 2 and out.stderr.startswith("medcode: Age '200' is outside 0-124")


def test_drg_and_what_if():
    out = run("drg", "I50.9", "--age", "70", "--sex", "F")
    assert out.returncode == 0 and out.stdout.startswith("MS-DRG 293")
    out = run("drg", "I50.9", "--add", "J96.01", "--json")
    assert json.loads(out.stdout)["after"]["drg"] == 291
