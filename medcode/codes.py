"""Forgiving code input: normalise spelling, split lists, and tell systems apart by shape."""
from __future__ import annotations

import re

SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt")
SYSTEM_ALIASES = {"icd10cm": "icd10cm", "icd-10-cm": "icd10cm", "cm": "icd10cm", "icd10": "icd10cm",
                  "icd10pcs": "icd10pcs", "icd-10-pcs": "icd10pcs", "pcs": "icd10pcs",
                  "hcpcs": "hcpcs", "hcpcs2": "hcpcs", "cpt": "cpt"}

CM_SHAPE = re.compile(r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4}|[0-9A-Z]{1,4})?")
PCS_SHAPE = re.compile(r"[0-9BCDFGHX][0-9A-HJ-NP-Z]{6}")
HCPCS_SHAPE = re.compile(r"[A-V]\d{4}")
CPT_SHAPE = re.compile(r"\d{4}[0-9FTUM]")
MAX_CODE_INPUT = 10_000  # characters; longer input is not a list of codes


def system_name(system: str | None) -> str | None:
    """Canonical system name, or None for "infer it"; raises ValueError for an unknown one."""
    if system is None or system == "":
        return None
    key = str(system).strip().lower().replace("_", "").replace(" ", "")
    if key not in SYSTEM_ALIASES:
        raise ValueError(f"Unknown code system {system!r}: use one of {', '.join(SYSTEMS)}.")
    return SYSTEM_ALIASES[key]


def clean(code: object) -> str:
    """Upper-case, no spaces; keeps a dot the user typed."""
    return re.sub(r"\s+", "", str(code)).upper()


def dotted_cm(code: str) -> str:
    """E1122 -> E11.22 ; e11.22 -> E11.22 ; E11 -> E11."""
    bare = clean(code).replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def candidates(code: object, system: str | None = None) -> list[tuple[str, str]]:
    """The (system, normalised code) readings a piece of input could have, most likely first."""
    text = clean(code).rstrip("-")
    system = system_name(system)
    out: list[tuple[str, str]] = []
    if (system in (None, "icd10cm")) and CM_SHAPE.fullmatch(text):
        out.append(("icd10cm", dotted_cm(text)))
    if "." not in text:
        if system in (None, "icd10pcs") and PCS_SHAPE.fullmatch(text):
            out.append(("icd10pcs", text))
        if system in (None, "hcpcs") and HCPCS_SHAPE.fullmatch(text):
            out.append(("hcpcs", text))
        if system in (None, "cpt") and CPT_SHAPE.fullmatch(text):
            out.append(("cpt", text))
    return out


def split_codes(value: object) -> list[str]:
    """A list, tuple, or comma/semicolon/space separated string of codes -> list of strings.

    Raises ValueError with a plain message for anything that is not a list of codes."""
    if value is None:
        raise ValueError("No codes given: pass a list such as ['E11.22', 'N18.31'] or a string 'E11.22, N18.31'.")
    if isinstance(value, str):
        if len(value) > MAX_CODE_INPUT:
            raise ValueError(f"That input is {len(value):,} characters long; a list of codes is far shorter.")
        return [p for p in re.split(r"[\s,;]+", value) if p]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"{item!r} is not a code: each code should be a string such as 'E11.22'.")
            out += split_codes(item)
        return out
    raise ValueError(f"Expected codes as a list or a string, not {type(value).__name__}.")
