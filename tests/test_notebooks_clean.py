"""Committed lesson notebooks are executed and clean, so they read well on GitHub and in JupyterLab."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "course").rglob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/home/|/root/|/tmp/|/work/|/Users/|[A-Z]:\\\\)")


def test_the_first_lesson_exists():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00-start-here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_and_clean(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = json.dumps(outputs)
    assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)
    assert any("NBVAL_CHECK_OUTPUT" in "".join(c["source"]) for c in code)
