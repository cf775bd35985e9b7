"""The `medcode` command: search, show, data build|fetch|info (each with --json)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def _print(obj, as_json: bool, text: str) -> None:
    print(json.dumps(obj, indent=2, default=str) if as_json else text)


def cmd_search(a) -> int:
    import medcode

    hits = medcode.search(" ".join(a.query), system=a.system, limit=a.limit, billable_only=a.billable,
                          chapter=a.chapter, year=a.year)
    lines = [f"{h.code:<9}{'' if h.billable else '(header) '}{h.title}\n         via {h.via}" for h in hits]
    _print([dataclasses.asdict(h) for h in hits], a.json, "\n".join(lines) or "No matches.")
    return 0


def cmd_show(a) -> int:
    import medcode

    c = medcode.lookup(a.code, system=a.system, year=a.year, date=a.date)
    lines = [f"{c.code}  {c.title}", f"  {c.system}, FY{c.year}, {'billable' if c.billable else 'not billable'}"]
    for name in ("includes", "inclusion_terms", "excludes1", "excludes2", "code_first", "use_additional",
                 "code_also", "notes"):
        for note in getattr(c, name):
            lines.append(f"  {name}: {note.text}" + (f"  [from {note.source}]" if note.source != c.code else ""))
    if c.seventh_characters:
        lines.append("  7th characters: " + ", ".join(f"{k} {v}" for k, v in c.seventh_characters.items()))
    if c.children:
        lines.append("  children: " + ", ".join(c.children[:30]) + (" ..." if len(c.children) > 30 else ""))
    for axis in c.details.get("axes", []):
        lines.append(f"  {axis['position']} {axis['axis']}: {axis['value']} = {axis['label']}")
    if c.system == "cpt":
        lines.append(f"  description: {c.details['description_source']}")
    _print(dataclasses.asdict(c), a.json, "\n".join(lines))
    return 0


def cmd_validate(a) -> int:
    from medcode.validate import validate

    findings = validate(a.codes, setting=a.setting, age=a.age, sex=a.sex, date=a.date, poa=a.poa, system=a.system)
    text = "\n".join(f"{f.severity.upper():<8}{f.rule}: {f.message}" for f in findings) or "No findings."
    _print([dataclasses.asdict(f) for f in findings], a.json, text)
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_drg(a) -> int:
    from medcode import drg

    common = dict(procedures=a.procedure or (), age=a.age, sex=a.sex, discharge_status=a.discharge_status,
                  poa=a.poa, date=a.date)
    if a.add or a.remove:
        w = drg.what_if(a.pdx, a.sdx, add=a.add, remove=a.remove, **common)
        _print(dataclasses.asdict(w), a.json, w.explanation)
        return 0
    r = drg.group(a.pdx, a.sdx, **common)
    cc = ", ".join(f"{code} ({role})" for code, role in r.cc_mcc) or "none"
    _print(dataclasses.asdict(r), a.json, f"MS-DRG {r.drg} {r.title}\n  MDC {r.mdc} {r.mdc_title}\n  CC/MCC used: {cc}")
    return 0


def cmd_build(a) -> int:
    from medcode.data.build import build, fiscal_years_available
    from medcode.data.sources import discover

    found = discover()
    years = a.year or fiscal_years_available(found)
    if not years:
        print("No ICD-10-CM tabular file was found: install the package (pip install simple-icd-10-cm) or set "
              "MEDCODE_CMS_DIR.", file=sys.stderr)
        return 1
    done = [str(build(y, found, Path(a.cpt_file) if a.cpt_file else None)) for y in years]
    _print({"built": done}, a.json, "\n".join(f"built {p}" for p in done))
    return 0


def cmd_fetch(a) -> int:
    from medcode.data.fetch import fetch, missing

    report = fetch(years=a.year, base_url=a.base_url, accept_licence=a.accept_licence)
    still = missing(years=a.year)
    _print({**report.as_dict(), "missing": still}, a.json,
           "\n".join(report.lines() + (["", "Still missing:", *still] if still else [])))
    return 0 if report.ok else 1


def cmd_info(a) -> int:
    from medcode.data.info import info

    data = info()
    _print(data, a.json, "\n".join(_info_lines(data)))
    return 0


def _info_lines(data: dict) -> list[str]:
    lines = []
    for year, store in data["stores"].items():
        lines.append(f"FY{year}: {store['path']}")
        for system, facts in store["systems"].items():
            lines.append(f"  {system:<9} " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    lines += [f"missing: {m}" for m in data["missing"]] or ["All optional sources are present."]
    return lines


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="medcode", description="Search, look up and check medical codes.")
    sub = p.add_subparsers(dest="verb", required=True)
    s = sub.add_parser("search", help="search a code set by words or code")
    s.add_argument("query", nargs="+")
    s.add_argument("--system", default="icd10cm")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--billable", action="store_true", help="billable codes only")
    s.add_argument("--chapter")
    s.set_defaults(run=cmd_search)
    s = sub.add_parser("show", help="show one code with its notes")
    s.add_argument("code")
    s.add_argument("--system")
    s.add_argument("--date", help="date of service (selects the fiscal year)")
    s.set_defaults(run=cmd_show)
    s = sub.add_parser("validate", help="check codes against the coding rules (first = principal/first-listed)")
    s.add_argument("codes", nargs="+", help="codes in reporting order; CPT/HCPCS lines as CODE-MOD*UNITS")
    s.add_argument("--setting", help="office, emergency, inpatient, ambulatory-surgery, radiology, lab, ...")
    s.add_argument("--age", help="age in whole years (0 = newborn)")
    s.add_argument("--sex", help="F, M or U")
    s.add_argument("--date", help="date of service, YYYY-MM-DD")
    s.add_argument("--poa", help="present-on-admission flags, one per diagnosis (inpatient), e.g. Y,N,U")
    s.add_argument("--system")
    s.set_defaults(run=cmd_validate)
    s = sub.add_parser("drg", help="group an inpatient case to an MS-DRG; --add/--remove shows what changes")
    s.add_argument("pdx", help="principal diagnosis")
    s.add_argument("sdx", nargs="*", help="secondary diagnoses")
    s.add_argument("--procedure", action="append", help="ICD-10-PCS code (repeat for more)")
    s.add_argument("--age", type=int, default=65)
    s.add_argument("--sex", help="F, M or U")
    s.add_argument("--discharge-status", type=int, default=1)
    s.add_argument("--poa", help="POA flags, principal first, e.g. Y,Y,N")
    s.add_argument("--date", help="discharge date, YYYY-MM-DD")
    s.add_argument("--add", help="secondary diagnosis to add (what if)")
    s.add_argument("--remove", help="secondary diagnosis to remove (what if)")
    s.set_defaults(run=cmd_drg)
    data = sub.add_parser("data", help="build, fetch or describe the code-set stores").add_subparsers(
        dest="action", required=True)
    s = data.add_parser("build", help="compile the official files into SQLite stores")
    s.add_argument("--cpt-file", help="a licensed AMA CPT file (code<TAB>descriptor)")
    s.set_defaults(run=cmd_build)
    s = data.add_parser("fetch", help="download the official releases named in source_data/releases.toml")
    s.add_argument("--base-url", help="download from this mirror instead of the publishers")
    s.add_argument("--accept-licence", action="store_true", help="accept CMS's AMA CPT licence terms (NCCI files)")
    s.set_defaults(run=cmd_fetch)
    s = data.add_parser("info", help="what each store holds and which sources are missing")
    s.set_defaults(run=cmd_info)
    for action in [*sub.choices.values(), *data.choices.values()]:
        action.add_argument("--json", action="store_true", help="print JSON")
        if action.prog.split()[-1] in ("search", "show", "build", "fetch"):
            action.add_argument("--year", type=int, action="append" if "data" in action.prog else None,
                                help="fiscal year (default: the kit's year, or the date's)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f"medcode: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
