"""MS-DRG grouping for learners: group(...) and what_if(...) through the msdrg grouper and Medicare Code Editor."""
from __future__ import annotations

import atexit
import datetime as dt
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import msdrg

from medcode.codes import candidates, split_codes
from medcode.lookup import lookup
from medcode.model import StoreMissing, UnknownCode
from medcode.store import connect, resolve_year
from medcode.validate import _age, _date, _poa, _sex

SEX_CODES = {"M": 0, "F": 1, "U": 2, None: 2}  # what msdrg expects: 0 = male, 1 = female, 2 = unknown
POA_FLAGS = ("Y", "N", "U", "W", "1", "")  # "1" and blank: exempt from POA reporting
NEUTRAL_AGE = 65  # the default patient; age matters only to the MCE age edit and a few DRG splits
_lock = threading.Lock()
_engines: dict[str, msdrg.MsdrgGrouper | msdrg.MceEditor] = {}


def _engine(kind: str):
    """The process's one MsdrgGrouper ("group") or MceEditor ("edit"), opened on first use, closed at exit."""
    if kind not in _engines:
        with _lock:
            if kind not in _engines:
                _engines[kind] = msdrg.MsdrgGrouper() if kind == "group" else msdrg.MceEditor()
    return _engines[kind]


@atexit.register
def _close() -> None:
    with _lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


def _call(kind: str, claim: dict) -> dict:
    """Run the native grouper or editor; anything it raises comes back as a plain ValueError."""
    try:
        return _engine(kind).group(claim) if kind == "group" else _engine(kind).edit(claim)
    except (ValueError, RuntimeError) as exc:
        tool = "MS-DRG grouper" if kind == "group" else "Medicare Code Editor"
        raise ValueError(f"The {tool} refused the claim: {exc}") from None


def version_for(date: dt.date | None = None, year: int | None = None) -> int:
    """The MS-DRG version (431 = v43.1): the release in effect on the date, else the fiscal year's last release.

    Each fiscal year has a 1 October release (v43.0 for FY2026) and, when CMS issues one, a 1 April update
    (v43.1); msdrg carries v40.0-v44.0 (FY2023-FY2027)."""
    fy = resolve_year(year, date)
    base = (fy - 1983) * 10  # FY2026 -> 430
    latest = base + 9 if date is None else base + (1 if 4 <= date.month <= 9 else 0)
    offered = [v for v in msdrg.MsdrgGrouper.available_versions() if base <= v <= latest]
    if not offered:
        have = msdrg.MsdrgGrouper.available_versions()
        raise ValueError(f"msdrg {msdrg.__version__} has no MS-DRG grouper for FY{fy}: it covers "
                         f"FY{have[0] // 10 + 1983}-FY{have[-1] // 10 + 1983}.")
    return max(offered)


def discharge_date(date: dt.date | None = None, year: int | None = None) -> int:
    """The MCE's discharge date (YYYYMMDD): the date itself, else the last day of the fiscal year."""
    return int(date.strftime("%Y%m%d")) if date else resolve_year(year, None) * 10000 + 930


@lru_cache(maxsize=200_000)
def mce_edits(pdx: str, sdx: tuple[str, ...] = (), procedures: tuple[str, ...] = (), age: int = NEUTRAL_AGE,
              sex: str | None = None, discharge: int = 20260930, discharge_status: int = 1) -> frozenset[str]:
    """Names of the Medicare Code Editor edits a claim triggers (codes bare, e.g. "I509")."""
    claim = msdrg.create_mce_input(discharge_date=discharge, age=age, sex=SEX_CODES[sex],
                                   discharge_status=discharge_status, pdx=pdx, sdx=list(sdx),
                                   procedures=list(procedures))
    return frozenset(e["name"] for e in _call("edit", claim)["edits"])


@dataclass
class DrgResult:
    """One MS-DRG assignment.

    weight comes from CMS IPPS Final Rule Table 5 when the build had it (msdrg ships the grouping logic and
    titles, not the weights); without that file it is None rather than a made-up number."""

    drg: int
    title: str
    mdc: int | None
    mdc_title: str | None
    cc_mcc: list[tuple[str, str]]  # secondary diagnoses that acted as CC or MCC in the final DRG
    version: int  # 431 = MS-DRG v43.1
    return_code: str  # the grouper's: "OK", "HAC_MISSING_ONE_POA", ...
    messages: list[str]  # what the grouper did that a learner should notice
    weight: float | None = None
    raw: dict = field(default_factory=dict, repr=False)  # the grouper's full output

    def __str__(self) -> str:
        mdc = f"MDC {self.mdc}: {self.mdc_title}; " if self.mdc_title else ""
        text = f"DRG {self.drg} {self.title} ({mdc}MS-DRG v{self.version / 10:.1f})"
        return text + "".join(f"; {code} {role}" for code, role in self.cc_mcc)


@dataclass
class WhatIf:
    """A case grouped before and after adding or removing one secondary diagnosis."""

    before: DrgResult
    after: DrgResult
    explanation: str

    def __str__(self) -> str:
        return self.explanation


def _dotted(code: str, system: str) -> str:
    if not isinstance(code, str) or not (readings := candidates(code, system)):
        example = "E11.22 or e1122" if system == "icd10cm" else "0DTJ4ZZ"
        label = "an ICD-10-CM diagnosis" if system == "icd10cm" else "an ICD-10-PCS procedure"
        raise ValueError(f"{code!r} is not {label} code: write it like {example}.")
    return readings[0][1]


def _bare(code: str) -> str:
    return code.replace(".", "")


def _title(code: str, system: str, fy: int) -> str:
    try:
        return lookup(code, system, year=fy).title
    except (UnknownCode, StoreMissing):
        return ""


def _invalid(code: str, system: str, fy: int, version: int) -> str:
    """Why a code the grouper does not know is wrong, with the store's hint when it has one."""
    try:
        entry = lookup(code, system, year=fy)
    except UnknownCode as exc:
        return str(exc)
    except StoreMissing:
        entry = None
    if entry is not None and not entry.billable:
        return (f"{code} ({entry.title}) is a heading, not a billable code: choose a code below it, "
                f"e.g. {', '.join(entry.children[:4])}.")
    return (f"{code} is not valid in MS-DRG v{version / 10:.1f} for that discharge date: new codes take effect on "
            "1 October or 1 April, so check the code and the date.")


def _check(pdx: str, sdx: list[str], procedures: list[str], discharge: int, fy: int, version: int) -> None:
    for code in [pdx, *sdx]:
        if "INVALID_CODE" in mce_edits(_bare(code), discharge=discharge):
            raise ValueError(_invalid(code, "icd10cm", fy, version))
    for code in procedures:
        if "INVALID_CODE" in mce_edits(_bare(pdx), procedures=(_bare(code),), discharge=discharge):
            raise ValueError(_invalid(code, "icd10pcs", fy, version))


def _flags(poa, n: int) -> list[str]:
    if not isinstance(poa, (str, list, tuple)):
        raise ValueError(f"POA {poa!r} is not a list of indicators: write it like poa=['Y', 'N'] or 'YN'.")
    flags = _poa(poa, n)
    if len(flags) != n:
        raise ValueError(f"{len(flags)} POA indicator(s) for {n} diagnosis codes: give one per diagnosis, "
                         "principal first, e.g. poa=['Y', 'N'].")
    bad = [f for f in flags if f not in POA_FLAGS]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a POA indicator: use Y, N, U, W, or 1/blank for exempt codes.")
    return [f if f in ("Y", "N", "U", "W") else " " for f in flags]


def _acted(out: dict) -> bool:
    """A secondary diagnosis the grouper used as CC/MCC for the final DRG (not excluded, not a HAC taken out)."""
    hac = any(h["hac_status"] == "HAC_CRITERIA_MET" for h in out["hacs"])
    return out["severity"] in ("CC", "MCC") and out["drg_impact"] in ("FINAL", "BOTH") and not hac


def _messages(raw: dict, pdx: str, dotted: dict[str, str]) -> list[str]:
    notes = []
    if raw["return_code"] != "OK":
        why = {"DX_CANNOT_BE_PDX": f"{pdx} can never be a principal diagnosis",
               "INVALID_PDX": f"{pdx} is not a valid principal diagnosis"}.get(raw["return_code"], "")
        if raw["return_code"].startswith("HAC_"):
            why = "every hospital-acquired-condition code needs a POA indicator of Y, N, U or W"
        notes.append(f"The grouper returned {raw['return_code']} and could not assign a payable DRG (DRG "
                     f"{raw['final_drg']})" + (f": {why}." if why else "."))
    for out in raw["sdx_output"]:
        code, sev = dotted[out["code"]], out["severity"]
        if sev != "NONE" and "EXCLUDED" in out["flags"]:
            notes.append(f"{code} is {'an' if sev == 'MCC' else 'a'} {sev} but is excluded with principal "
                         f"diagnosis {pdx} (CC exclusion), so it does not count.")
        for hac in out["hacs"]:
            if hac["hac_status"] == "HAC_CRITERIA_MET":
                state = ("has no Y, N, U or W POA indicator" if out["poa_error"] == "POA_NOT_RECOGNIZED"
                         else "was not present on admission")
                notes.append(f"{code} is a hospital-acquired condition ({hac['hac_list']}: {hac['description']}) "
                             f"and {state}, so it does not count as a CC/MCC.")
    return notes


def group(pdx, sdx=(), procedures=(), age=NEUTRAL_AGE, sex=None, discharge_status=1, poa=None,
          date=None) -> DrgResult:
    """The MS-DRG for a case: principal diagnosis, secondary diagnoses, ICD-10-PCS procedures.

    Codes may be written any forgiving way (e1122, E11.22). poa: one flag per diagnosis, principal first
    (Y, N, U, W, or 1/blank for exempt codes); without it the case groups as for a POA-exempt hospital (no
    hospital-acquired-condition adjustment). date: the discharge date, which picks the MS-DRG version."""
    date = _date(date)
    fy = resolve_year(None, date)
    version, discharge = version_for(date, fy), discharge_date(date, fy)
    pdx = _dotted(pdx, "icd10cm")
    sdx = [_dotted(c, "icd10cm") for c in (split_codes(sdx) if sdx else [])]
    procedures = [_dotted(c, "icd10pcs") for c in (split_codes(procedures) if procedures else [])]
    age, sex = _age(age), _sex(sex)
    if isinstance(discharge_status, bool) or not isinstance(discharge_status, int) or \
            "INVALID_DISCHARGE_STATUS" in mce_edits(_bare(pdx), discharge=discharge, discharge_status=discharge_status):
        raise ValueError(f"Discharge status {discharge_status!r} is not a CMS patient discharge status code: "
                         "use e.g. 1 (home), 2 (short-term hospital), 3 (SNF), 6 (home health), 7 (left against "
                         "medical advice) or 20 (expired).")
    _check(pdx, sdx, procedures, discharge, fy, version)
    flags = _flags(poa, 1 + len(sdx)) if poa is not None else [None] * (1 + len(sdx))
    claim = msdrg.create_claim(version=version, age=NEUTRAL_AGE if age is None else age, sex=SEX_CODES[sex],
                               discharge_status=discharge_status, pdx=_bare(pdx), pdx_poa=flags[0],
                               sdx=[(_bare(c), f) if f else _bare(c) for c, f in zip(sdx, flags[1:], strict=True)],
                               procedures=[_bare(c) for c in procedures])
    claim["hospital_status"] = "EXEMPT" if poa is None else "NOT_EXEMPT"
    raw = _call("group", claim)
    dotted = {_bare(c): c for c in sdx}
    order = {c: i for i, c in enumerate(sdx)}
    acted = sorted(((dotted[o["code"]], o["severity"]) for o in raw["sdx_output"] if _acted(o)),
                   key=lambda pair: order[pair[0]])
    title = raw["final_drg_description"] or ("Ungroupable" if raw["final_drg"] == 999 else "")
    weight = connect(fy).execute("SELECT weight FROM drg_weight WHERE drg = ?", (raw["final_drg"],)).fetchone()
    return DrgResult(raw["final_drg"], title, raw["final_mdc"],
                     raw["final_mdc_description"], acted, version, raw["return_code"],
                     _messages(raw, pdx, dotted), weight[0] if weight else None, raw)


def _role(result: DrgResult, code: str) -> str:
    """What one secondary diagnosis did in a grouping, in words."""
    out = next(o for o in result.raw["sdx_output"] if o["code"] == _bare(code))
    sev = out["severity"]
    if sev == "NONE":
        return "not a CC or MCC"
    kind = f"{'an' if sev == 'MCC' else 'a'} {sev}"
    if (code, sev) in result.cc_mcc:
        return kind
    if "EXCLUDED" in out["flags"]:
        return f"{kind}, but excluded with this principal diagnosis"
    if any(h["hac_status"] == "HAC_CRITERIA_MET" for h in out["hacs"]):
        return f"{kind}, but a hospital-acquired condition not present on admission"
    return f"{kind}, but not one this DRG needed"


def what_if(pdx, sdx=(), procedures=(), age=NEUTRAL_AGE, sex=None, discharge_status=1, poa=None, date=None,
            add=None, remove=None) -> WhatIf:
    """How adding (add=) or removing (remove=) one secondary diagnosis changes the DRG.

    With poa given, an added code is taken as present on admission (Y)."""
    if (add is None) == (remove is None):
        raise ValueError("Give exactly one of add= (a secondary diagnosis to add) or remove= (one to take away).")
    sdx = [_dotted(c, "icd10cm") for c in (split_codes(sdx) if sdx else [])]
    flags = _flags(poa, 1 + len(sdx)) if poa is not None else None
    code = _dotted(add if add is not None else remove, "icd10cm")
    if add is not None:
        if code in sdx or code == _dotted(pdx, "icd10cm"):
            raise ValueError(f"{code} is already on the claim: add a code that is not there yet.")
        new_sdx, new_flags = [*sdx, code], (flags + ["Y"] if flags is not None else None)
    else:
        if code not in sdx:
            raise ValueError(f"{code} is not a secondary diagnosis here ({', '.join(sdx) or 'none'}): "
                             "remove one that is.")
        i = sdx.index(code)
        new_sdx = sdx[:i] + sdx[i + 1:]
        new_flags = flags[:i + 1] + flags[i + 2:] if flags is not None else None
    common = {"procedures": procedures, "age": age, "sex": sex, "discharge_status": discharge_status, "date": date}
    before = group(pdx, sdx, poa=flags, **common)
    after = group(pdx, new_sdx, poa=new_flags, **common)
    title = _title(code, "icd10cm", resolve_year(None, _date(date)))
    role = _role(after if add is not None else before, code)
    verb = "Adding" if add is not None else "Removing"
    what = f"{code} ({title}, {role})" if title else f"{code} ({role})"
    if before.drg == after.drg:
        text = f"{verb} {what} leaves the case in DRG {before.drg} ({before.title})."
    else:
        text = (f"{verb} {what} moves the case from DRG {before.drg} ({before.title}) to DRG {after.drg} "
                f"({after.title}).")
    return WhatIf(before, after, text)
