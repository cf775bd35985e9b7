"""Medicare Code Editor rules: age and sex conflicts, unacceptable principal diagnoses, POA indicators."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from medcode.drg import NEUTRAL_AGE, POA_FLAGS, discharge_date, group, mce_edits
from medcode.validate import Context, Finding, Item

AGE_SEX = "ICD-10-CM I.B (code assignment); Medicare Code Editor age/sex edits"
PRINCIPAL = "ICD-10-CM Section II; Medicare Code Editor"
POA = "ICD-10-CM Appendix I (POA reporting guidelines)"
# CMS retired the MCE sex-conflict edit for discharges from 1 October 2024 (MCE v42), so the sex rule asks the last
# release that had it (v41.1) and warns rather than errs; codes created since then are on none of its lists.
SEX_EDIT_LAST_DAY = 20240930
AGE_GROUPS = {(0, 0): "newborn", (0, 17): "pediatric", (9, 64): "maternity", (15, 124): "adult"}
POA_HELP = ("Y (present at the time of the inpatient admission), N (not present), U (documentation is "
            "insufficient), W (clinically undetermined), or 1/blank for a code on the POA-exempt list")
PRINCIPAL_EDITS = {
    "E_CODE_AS_PDX": (
        "error", "{what} is an external cause code: it records how or where an injury happened, not the injury "
        "itself, so the Medicare Code Editor rejects it as principal diagnosis. Put the injury or condition first "
        "and report {code} after it."),
    "MANIFESTATION_AS_PDX": (
        "error", "{what} is a manifestation code: it describes a condition caused by an underlying disease and is "
        "never sequenced first, so the Medicare Code Editor rejects it as principal diagnosis. Code the underlying "
        "disease first (see the 'code first' note at {code}) and report {code} after it."),
    "UNACCEPTABLE_PDX": (
        "error", "{what} is on the Medicare Code Editor's list of unacceptable principal diagnoses: it describes a "
        "circumstance, status or history rather than a condition that makes an inpatient admission necessary. Make "
        "the condition found after study to be chiefly responsible for the admission the principal diagnosis, and "
        "report {code} as a secondary diagnosis if it still applies."),
    "QUESTIONABLE_ADMISSION": (
        "warning", "{what} as principal diagnosis is a 'questionable admission' for the Medicare Code Editor: on its "
        "own it does not usually justify an inpatient stay, so the claim is flagged for review rather than rejected. "
        "Check the record for the condition that made the admission necessary; if it really is {code}, make sure "
        "the documentation supports the inpatient stay."),
}


def _bare(item: Item) -> str:
    return item.code.replace(".", "")


def _what(item: Item) -> str:
    return f"{item.code} ({item.entry.title})"


def _diagnoses(ctx: Context) -> list[Item]:
    """Every ICD-10-CM item in reporting order, found or not (POA flags line up with these)."""
    return [i for i in ctx.items if i.system == "icd10cm"]


@lru_cache(maxsize=4096)
def _ages(code: str, discharge: int) -> tuple[int, int]:
    """The youngest and oldest age the MCE accepts for a code (asked of the MCE itself, age by age)."""
    ok = [age for age in range(125) if "AGE_CONFLICT" not in mce_edits(code, age=age, discharge=discharge)]
    return min(ok), max(ok)


def _patient(age: int) -> str:
    return "a newborn (age 0)" if age == 0 else f"a {age}-year-old"


def age_conflict(ctx: Context) -> Iterable[Finding]:
    """A diagnosis the MCE accepts only for another age group (newborn, pediatric, maternity or adult)."""
    if ctx.age is None:
        return
    discharge = discharge_date(ctx.date, ctx.year)
    for item in ctx.of("icd10cm"):
        if "AGE_CONFLICT" not in mce_edits(_bare(item), age=ctx.age, discharge=discharge):
            continue
        lo, hi = _ages(_bare(item), discharge)
        group_name = AGE_GROUPS.get((lo, hi), "age-limited")
        ages = f"ages {lo}-{hi}" if lo != hi else f"age {lo}"
        yield Finding(
            "mce-age", "error", (item.code,),
            f"{_what(item)} is a {group_name} code: the Medicare Code Editor accepts it only for {ages}, so "
            f"it rejects it for {_patient(ctx.age)} (age conflict). Either the age on the claim or the code is "
            f"wrong: check the age, then look the condition up again for a code that fits {_patient(ctx.age)}.",
            AGE_SEX)


def sex_conflict(ctx: Context) -> Iterable[Finding]:
    """A diagnosis on the MCE's female-only or male-only list for a patient of the other sex (warning since FY2025)."""
    if ctx.sex not in ("F", "M"):
        return
    sex, other = ("male", "female") if ctx.sex == "M" else ("female", "male")
    for item in ctx.of("icd10cm"):
        if "SEX_CONFLICT" not in mce_edits(_bare(item), sex=ctx.sex, discharge=SEX_EDIT_LAST_DAY):
            continue
        maternity = _ages(_bare(item), SEX_EDIT_LAST_DAY) == (9, 64)
        kind = "a maternity code" if maternity else f"a {other}-only code"
        yield Finding(
            "mce-sex", "warning", (item.code,),
            f"{_what(item)} is {kind}: the Medicare Code Editor rejected it for a {sex} patient (sex conflict) "
            f"until CMS retired that edit on 1 October 2024, so the FY{ctx.year} editor no longer stops the claim. "
            "Check the record: usually the sex or the code is wrong. For a transgender or intersex patient the code "
            "can be right: keep it when the documentation supports it.",
            AGE_SEX)


def unacceptable_principal(ctx: Context) -> Iterable[Finding]:
    """Inpatient: a principal diagnosis the MCE rejects, or flags for review as a questionable admission."""
    dx = _diagnoses(ctx)
    if ctx.setting != "inpatient" or not dx or dx[0].entry is None:
        return
    pdx, sdx = dx[0], tuple(_bare(i) for i in dx[1:] if i.entry is not None)
    edits = mce_edits(_bare(pdx), sdx, age=NEUTRAL_AGE if ctx.age is None else ctx.age,
                      discharge=discharge_date(ctx.date, ctx.year))
    for name, (severity, text) in PRINCIPAL_EDITS.items():
        if name in edits:
            yield Finding("mce-principal", severity, (pdx.code,), text.format(what=_what(pdx), code=pdx.code),
                          PRINCIPAL)


def poa_count(ctx: Context) -> Iterable[Finding]:
    """Inpatient: one POA indicator per diagnosis code, no more and no fewer."""
    dx = _diagnoses(ctx)
    if ctx.setting != "inpatient" or ctx.poa is None or len(ctx.poa) == len(dx):
        return
    given = ", ".join(repr(f) for f in ctx.poa) or "none"
    yield Finding(
        "poa-count", "error", tuple(i.code for i in dx),
        f"{len(ctx.poa)} POA indicator(s) ({given}) for {len(dx)} diagnosis code(s) ({', '.join(i.code for i in dx)}): "
        "the indicators cannot be matched to the codes. Give exactly one per ICD-10-CM code, in the same order, "
        "principal first, e.g. poa=['Y', 'N']; procedure codes take none.", POA)


def poa_values(ctx: Context) -> Iterable[Finding]:
    """Inpatient: each POA indicator is Y, N, U, W or 1/blank, and HAC codes carry a real one."""
    dx = _diagnoses(ctx)
    if ctx.setting != "inpatient" or ctx.poa is None or len(ctx.poa) != len(dx):
        return
    for item, flag in zip(dx, ctx.poa, strict=True):
        if flag not in POA_FLAGS:
            yield Finding("poa-value", "error", (item.code,),
                          f"{flag!r} is not a POA indicator (given for {item.code}). Use {POA_HELP}.", POA)
    blank = [i.code for i, f in zip(dx, ctx.poa, strict=True) if f in ("1", "") and i.entry is not None]
    if not blank:
        return
    hac = list(_hac_without_poa(ctx, dx, set(blank)))
    yield from hac
    rest = [code for code in blank if all(code not in f.codes for f in hac)]
    if rest:
        yield Finding(
            "poa-exempt", "info", tuple(rest),
            f"POA is 1/blank for {', '.join(rest)}: that is right only for codes on the POA-exempt list "
            "(Appendix I). The Medicare Code Editor used here does not carry that list, so check each code "
            "against it; every other code needs Y, N, U or W.", POA)


def _hac_without_poa(ctx: Context, dx: list[Item], blank: set[str]) -> Iterable[Finding]:
    """Secondary codes the grouper cannot group without a POA: hospital-acquired conditions are never exempt."""
    try:
        result = group(dx[0].code, [i.code for i in dx[1:]], [i.code for i in ctx.of("icd10pcs")],
                       age=NEUTRAL_AGE if ctx.age is None else ctx.age, sex=ctx.sex, poa=list(ctx.poa),
                       date=ctx.date)
    except ValueError:  # a code the grouper does not know: other rules report it
        return
    for out in result.raw["sdx_output"]:
        code = next((c for c in blank if c.replace(".", "") == out["code"]), None)
        if code and out["hacs"] and out["poa_error"] == "POA_NOT_RECOGNIZED":
            hac = out["hacs"][0]
            yield Finding(
                "poa-hac", "error", (code,),
                f"{code} is a hospital-acquired condition ({hac['hac_list']}: {hac['description']}), so it is never "
                f"exempt from POA reporting: with 1/blank the MS-DRG grouper cannot group the case (DRG {result.drg}, "
                f"{result.return_code}). Give Y, N, U or W from the documentation, and query the provider if it "
                "is unclear.",
                POA)


def poa_outpatient(ctx: Context) -> Iterable[Finding]:
    """POA indicators given for a setting other than inpatient."""
    if ctx.poa is None or ctx.setting in (None, "inpatient"):
        return
    yield Finding("poa-setting", "info", (),
                  f"POA indicators apply to inpatient claims only, and this claim's setting is "
                  f"{ctx.setting!r}: leave them off.", POA)


RULES = [age_conflict, sex_conflict, unacceptable_principal, poa_count, poa_values, poa_outpatient]
