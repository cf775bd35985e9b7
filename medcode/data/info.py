"""Describe the built stores: release, fiscal year, counts, and which optional sources are missing."""
from __future__ import annotations

import json
import sqlite3

from medcode.data.paths import store_dir

OPTIONAL = {"icd10cm-index": "Alphabetic Index", "icd10cm-eindex": "External Cause Index",
            "icd10cm-drug": "Table of Drugs and Chemicals", "icd10cm-neoplasm": "Neoplasm Table",
            "icd10pcs-tables": "ICD-10-PCS tables", "icd10pcs-index": "ICD-10-PCS Index",
            "hcpcs": "HCPCS Level II", "ncci-mue": "NCCI MUE table",
            "ipps-table5": "IPPS Table 5 (MS-DRG relative weights)"}


def info() -> dict:
    stores, missing = {}, []
    for path in sorted(store_dir().glob("fy*.sqlite")):
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            counts = dict(db.execute("SELECT 'index terms', count(*) FROM cm_term UNION ALL "
                                     "SELECT 'MUE codes', count(*) FROM mue"))
        year = meta["fiscal_year"]
        systems = {s: meta[s] for s in ("icd10cm", "icd10pcs", "hcpcs", "cpt") if s in meta}
        systems.setdefault("icd10cm", {}).update({"index terms": counts["index terms"]})
        if counts["MUE codes"]:
            systems["ncci"] = {"MUE codes": counts["MUE codes"]}
        sources = meta["sources"]
        present = {OPTIONAL[k]: f"{v['file']} (FY/CY{v['year']})" for k, v in sources.items() if k in OPTIONAL}
        stores[year] = {"path": path.name, "built": meta.get("built"), "systems": systems, "sources": present,
                        "index_valid": meta.get("index_valid", {})}
        missing += [f"FY{year}: {name} - run `medcode data fetch` or set MEDCODE_CMS_DIR to a folder with it"
                    for k, name in OPTIONAL.items() if k not in sources]
    if not stores:
        missing.append("No store is built: run `make setup` or `medcode data build`.")
    return {"stores": stores, "missing": missing}
