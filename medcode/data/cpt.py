"""Load CPT descriptions: the kit's own short wording, or a licensed AMA file an instructor provides."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from medcode.data.paths import SOURCE_DATA

KIT_FILE = SOURCE_DATA / "cpt" / "kit_descriptions.csv"
CPT_SHAPE = re.compile(r"\d{4}[0-9FTU]|\d{4}M")


def kit_descriptions(path: Path = KIT_FILE) -> list[tuple[str, str, str, str]]:
    """(code, description, section, notes) written in this project's own words."""
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["code"].strip(), r["description"].strip(), r["section"].strip(), r.get("notes", "").strip())
                for r in csv.DictReader(f)]


def licensed_file(path: Path) -> list[tuple[str, str]]:
    """(code, descriptor) from an AMA CPT data file: tab- or comma-separated, code first, header optional."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    rows = []
    for row in csv.reader(text.splitlines(), dialect):
        if len(row) >= 2 and CPT_SHAPE.fullmatch(row[0].strip()):
            rows.append((row[0].strip(), " ".join(row[1].split())))
    if not rows:
        raise ValueError(f"{path} has no rows of the form CODE<TAB>DESCRIPTOR (e.g. 99213<TAB>...).")
    return rows
