"""Parse CMS payment-side files: HCPCS Level II (ANWEB), the NCCI MUE table, IPPS Table 5 (MS-DRG weights)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# Record identification codes (RIC) from the CMS record layout.
FIRST_LINE = {"3": "procedure", "7": "modifier"}
CONTINUATION = {"4", "8"}


@dataclass
class HcpcsCode:
    code: str
    kind: str  # procedure | modifier
    long: str
    short: str
    added: str  # ISO dates; "" when absent
    effective: str
    terminated: str
    action: str


def _date(text: str) -> str:
    text = text.strip()
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 and text.isdigit() else ""


def parse_hcpcs(path: Path) -> list[HcpcsCode]:
    """Slice by position (layout: code 1-5, RIC 11, long 12-91, short 92-119, dates 269-292, action 293)."""
    out: list[HcpcsCode] = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            if not line.strip():
                continue
            ric = line[10:11]
            if ric in FIRST_LINE:
                out.append(HcpcsCode(line[0:5].strip(), FIRST_LINE[ric], line[11:91].strip(),
                                     line[91:119].strip(), _date(line[268:276]), _date(line[276:284]),
                                     _date(line[284:292]), line[292:293].strip()))
            elif ric in CONTINUATION and out:
                out[-1].long = f"{out[-1].long} {line[11:91].strip()}".strip()
    return out


def parse_mue(path: Path) -> list[tuple[str, int, str, str]]:
    """(code, units, adjudication indicator, rationale) rows of the practitioner MUE table."""
    with open(path, newline="", encoding="cp1252") as f:
        rows = list(csv.reader(f))
    start = next(i for i, r in enumerate(rows) if r and r[0].replace("\n", "").startswith("HCPCS")) + 1
    return [(r[0].strip(), int(r[1]), r[2].strip(), r[3].strip()) for r in rows[start:] if len(r) >= 4 and r[0].strip()]


def parse_table5(path: Path) -> list[tuple[int, float, float | None, float | None]]:
    """(MS-DRG, relative weight, geometric mean LOS, arithmetic mean LOS) from IPPS Final Rule Table 5,
    as CMS's tab- or comma-separated text: a header row naming "MS-DRG" and "Weights", one row per DRG."""
    text = path.read_text(encoding="cp1252")
    rows = list(csv.reader(text.splitlines(), "excel-tab" if "\t" in text else "excel"))
    head = next(i for i, r in enumerate(rows) if any(c.strip().upper() == "MS-DRG" for c in r)
                and any("WEIGHT" in c.upper() for c in r))
    cols = [c.strip().upper() for c in rows[head]]
    drg, weight = cols.index("MS-DRG"), next(i for i, c in enumerate(cols) if "WEIGHT" in c)
    gm = next((i for i, c in enumerate(cols) if "GEOMETRIC" in c), None)
    am = next((i for i, c in enumerate(cols) if "ARITHMETIC" in c), None)

    def num(row, i):
        return float(row[i].replace(",", "")) if i is not None and i < len(row) and row[i].strip() else None
    return [(int(r[drg]), num(r, weight), num(r, gm), num(r, am)) for r in rows[head + 1:]
            if len(r) > weight and r[drg].strip().isdigit() and r[weight].strip()]
