"""The values the public API returns: Hit, Code, Note."""
from __future__ import annotations

from dataclasses import dataclass, field


class UnknownCode(ValueError):
    """A code that does not exist in the code set for the year asked (the message says what to do)."""


class StoreMissing(RuntimeError):
    """The compiled code-set store for a fiscal year has not been built."""


@dataclass(frozen=True)
class Note:
    """One instructional note: its text, the codes it cites, and the code where the book prints it."""

    text: str
    refs: tuple[str, ...] = ()
    source: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Hit:
    code: str
    title: str
    billable: bool
    score: float
    via: str  # "tabular", "index: Diabetes, diabetic, type 2, with, ...", "drug table: ...", ...
    system: str = "icd10cm"

    def __str__(self) -> str:
        return f"{self.code}  {self.title}  [{self.via}]"


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    title: str
    billable: bool
    parent: str | None = None
    children: tuple[str, ...] = ()
    includes: tuple[Note, ...] = ()
    inclusion_terms: tuple[Note, ...] = ()
    excludes1: tuple[Note, ...] = ()
    excludes2: tuple[Note, ...] = ()
    code_first: tuple[Note, ...] = ()
    use_additional: tuple[Note, ...] = ()
    code_also: tuple[Note, ...] = ()
    notes: tuple[Note, ...] = ()
    seventh_characters: dict[str, str] = field(default_factory=dict)
    chapter: str = ""
    block: str = ""
    kind: str = "code"  # chapter | block | category | subcategory | code (ICD-10-CM); code elsewhere
    year: int = 0
    details: dict = field(default_factory=dict)  # system-specific: PCS axes, HCPCS dates, CPT source

    def __str__(self) -> str:
        return f"{self.code}  {self.title}" + ("" if self.billable else "  (not billable)")
