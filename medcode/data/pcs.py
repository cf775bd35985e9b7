"""Parse the ICD-10-PCS Tables, Definitions and Index XML."""
from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    table: str  # the first three characters, e.g. "0DT"
    row: int  # row number within the table (1-based, book order)
    axes: dict[int, list[tuple[str, str]]]  # position -> [(value, label)] for positions 4-7
    titles: dict[int, str]  # position -> the axis name in this section ("Body Part", "Modality", ...)


@dataclass
class Tables:
    version: int
    tables: dict[str, list[tuple[int, str, str, str]]]  # table -> [(pos, title, value, label)] for 1-3
    definitions: dict[str, str]  # table -> definition of its root operation (pos 3)
    rows: list[Row]

    def codes(self):
        """Every valid code of every row, with a title built from the axis labels."""
        for r in self.rows:
            head = [label for _, _, _, label in self.tables[r.table]]
            for combo in itertools.product(*(r.axes[p] for p in range(4, 8))):
                code = r.table + "".join(v for v, _ in combo)
                yield code, " · ".join(head + [label for _, label in combo]), r.table, r.row


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def parse_tables(path: Path) -> Tables:
    root = ET.parse(path).getroot()
    tables, definitions, rows = {}, {}, []
    for tbl in root.iter("pcsTable"):
        head = []
        for axis in tbl.findall("axis"):
            label = axis.find("label")
            head.append((int(axis.get("pos")), _clean(axis.findtext("title")), label.get("code"), _clean(label.text)))
        table = "".join(v for _, _, v, _ in head)
        tables[table] = head
        definitions[table] = _clean(tbl.findtext("axis[@pos='3']/definition"))
        for n, row in enumerate(tbl.findall("pcsRow"), start=sum(r.table == table for r in rows) + 1):
            axes = {int(a.get("pos")): [(lb.get("code"), _clean(lb.text)) for lb in a.findall("label")]
                    for a in row.findall("axis")}
            titles = {int(a.get("pos")): _clean(a.findtext("title")) for a in row.findall("axis")}
            rows.append(Row(table, n, axes, titles))
    return Tables(int(_clean(root.findtext("version"))), tables, definitions, rows)


def parse_definitions(path: Path) -> list[tuple[str, int, str, str, str, str]]:
    """(section, axis position, term, definition, explanation, includes) for every defined value."""
    root = ET.parse(path).getroot()
    out = []
    for section in root.iter("section"):
        for axis in section.findall("axis"):
            for t in axis.findall("terms"):
                out.append((section.get("code"), int(axis.get("pos")), _clean(t.findtext("title")),
                            _clean(t.findtext("definition")), _clean(t.findtext("explanation")),
                            _clean(" ".join(_clean(i.text) for i in t.findall("includes")))))
    return out


def parse_index(path: Path) -> list[tuple[int, int | None, int, str, str, str, str]]:
    """(id, parent, level, title, see, use, codes) for the PCS Index in book order."""
    root = ET.parse(path).getroot()
    out: list[tuple] = []

    def walk(el, parent, level):
        see = el.find("see")
        codes = _clean(el.findtext("codes") or (see.findtext("codes") if see is not None else ""))
        tid = len(out) + 1
        out.append((tid, parent, level, _clean(el.findtext("title")),
                    _clean(see.text) if see is not None else "", _clean(el.findtext("use")), codes))
        for child in el.findall("term"):
            walk(child, tid, level + 1)

    for main in root.iter("mainTerm"):
        walk(main, None, 0)
    return out
