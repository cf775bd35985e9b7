"""Parse the official ICD-10-CM Tabular List XML into rows for the store."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

# XML element -> note kind in the store (the vocabulary of the book).
NOTE_KINDS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_terms",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "notes",
    "sevenChrNote": "seventh_note",
}

# A code or code range cited inside a note: "N18.1-N18.6", "S58.-", "O65-O66", "E11.22".
CODE_REF = re.compile(
    r"\b[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4}-?|\.-)?(?:-[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)?(?![\w.])"
)


def code_refs(text: str) -> list[str]:
    """Codes and ranges a note refers to, as written (e.g. ["N18.1-N18.6"])."""
    return [m.group(0).rstrip(".") for m in CODE_REF.finditer(text)]


def seventh_excluded(code: str, char: str) -> bool:
    """The one exception the book states only in prose (category S06 note): "7th characters D and S
    do not apply to codes in category S06 with 6th character 7 ... or 8 ..."."""
    return code.startswith("S06.") and len(code) == 7 and code[-1] in "78" and char in "DS"


@dataclass
class Node:
    id: str
    kind: str  # chapter | block | category | subcategory | code
    title: str
    parent: str | None
    depth: int
    billable: bool = False
    chapter: str = ""
    seventh: dict[str, str] = field(default_factory=dict)  # own 7th-character definition
    extension: str = ""  # the 7th character, on codes built from a 7th-character definition


@dataclass
class Tabular:
    version: int
    nodes: list[Node]
    notes: list[tuple[str, str, str, str]]  # (node id, kind, text, json-free refs joined by space)


def _text(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _placeholder(code: str) -> str:
    """Pad a code with placeholder X to six characters (before the dot: three) so a 7th can follow."""
    bare = code.replace(".", "")
    bare = bare + "X" * (6 - len(bare))
    return f"{bare[:3]}.{bare[3:]}"


def parse(path: Path) -> Tabular:
    root = ET.parse(path).getroot()
    nodes: list[Node] = []
    notes: list[tuple[str, str, str, str]] = []

    def take_notes(el: ET.Element, node_id: str) -> None:
        for child in el:
            kind = NOTE_KINDS.get(child.tag)
            if kind:
                for note in child.iter("note"):
                    text = _text(note)
                    notes.append((node_id, kind, text, " ".join(code_refs(text))))

    def walk_diag(el: ET.Element, parent: str, depth: int, chapter: str, seventh: dict[str, str]) -> None:
        code = _text(el.find("name"))
        title = _text(el.find("desc"))
        own = {x.get("char"): _text(x) for x in el.findall("sevenChrDef/extension")}
        active = own or seventh
        children = el.findall("diag")
        kind = "category" if "." not in code else ("subcategory" if children else "code")
        leaf = not children
        billable = leaf and not active
        nodes.append(Node(code, kind, title, parent, depth, billable, chapter, own))
        take_notes(el, code)
        for child in children:
            walk_diag(child, code, depth + 1, chapter, active)
        if leaf and active:
            base = _placeholder(code)
            for char, meaning in active.items():
                if seventh_excluded(base, char):
                    continue
                nodes.append(Node(base + char, "code", f"{title}, {meaning}", code, depth + 1, True, chapter,
                                  extension=char))

    for ch in root.iter("chapter"):
        ch_id = _text(ch.find("name"))
        nodes.append(Node(ch_id, "chapter", _text(ch.find("desc")), None, 0, chapter=ch_id))
        take_notes(ch, ch_id)
        for sec in ch.findall("section"):
            sec_id = sec.get("id")
            sec_id = sec_id if "-" in sec_id else f"{sec_id}-{sec_id}"  # one-category blocks (B20)
            nodes.append(Node(sec_id, "block", _text(sec.find("desc")), ch_id, 1, chapter=ch_id))
            take_notes(sec, sec_id)
            for diag in sec.findall("diag"):
                walk_diag(diag, sec_id, 2, ch_id, {})
    return Tabular(int(_text(root.find("version"))), nodes, notes)
