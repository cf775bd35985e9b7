"""Parse the ICD-10-CM Alphabetic Index, External Cause Index, Drug and Neoplasm tables (XML or derived CSV)."""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Term:
    id: int
    book: str  # index | eindex | drug | neoplasm
    parent: int | None
    level: int  # 0 = main term
    title: str
    nemod: str = ""  # nonessential modifiers, "(mellitus) (sugar)"
    see: str = ""
    see_also: str = ""
    code: str = ""  # may be a partial code such as "D05.-"
    manif: str = ""  # manifestation code shown in brackets in the book
    trail: str = ""  # main term, subterm, ... (what a coder says aloud)
    cells: dict[int, str] = field(default_factory=dict)  # table column -> code (drug, neoplasm)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _title(el: ET.Element | None) -> tuple[str, str]:
    """Split a <title> into its words and its <nemod> nonessential modifiers."""
    if el is None:
        return "", ""
    nemod = " ".join(_clean("".join(n.itertext())) for n in el.iter("nemod"))
    words = _clean((el.text or "") + "".join(n.tail or "" for n in el.iter("nemod")))
    return words, nemod


def parse_xml(path: Path, book: str, start_id: int = 1) -> tuple[list[Term], dict[int, str]]:
    """Terms in book order, and the table column headings (drug and neoplasm tables)."""
    root = ET.parse(path).getroot()
    headings = {int(h.get("col")): _clean(h.text) for h in root.iter("head")}
    terms: list[Term] = []

    def walk(el: ET.Element, parent: Term | None, level: int) -> None:
        title, nemod = _title(el.find("title"))
        term = Term(
            start_id + len(terms), book, parent.id if parent else None, level, title, nemod,
            see=_clean("".join(el.find("see").itertext())) if el.find("see") is not None else "",
            see_also=_clean(el.findtext("seeAlso")), code=_clean(el.findtext("code")),
            manif=_clean(el.findtext("manif")),
            trail=f"{parent.trail}, {title}" if parent else title,
            cells={int(c.get("col")): _clean(c.text) for c in el.findall("cell")
                   if _clean(c.text).strip("-")},
        )
        terms.append(term)
        for child in el.findall("term"):
            walk(child, term, level + 1)

    for main in root.iter("mainTerm"):
        walk(main, None, 0)
    return terms, headings


def parse_csv(path: Path, start_id: int = 1) -> list[Term]:
    """The derived index CSV: one row per term in book order; Level gives the tree."""
    terms: list[Term] = []
    stack: list[Term] = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            level = int(row["Level"])
            del stack[level:]
            parent = stack[-1] if stack else None
            title = _clean(row["Term"])
            term = Term(
                start_id + len(terms), "index", parent.id if parent else None, level, title,
                _clean(row["NonEssModif"]), _clean(row["See"]), _clean(row["SeeAlso"]),
                _clean(row["Code"]), trail=f"{parent.trail}, {title}" if parent else title,
            )
            terms.append(term)
            stack.append(term)
    return terms
