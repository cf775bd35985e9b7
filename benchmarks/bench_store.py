"""Time the code-set store against simple_icd_10_cm, measured in the same run; prints JSON."""
from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_phrasings.csv"
RUNS = 7

MEDCODE_FIRST = "import medcode; medcode.lookup('E11.22'); medcode.search('type 2 diabetes with ckd')"
BASELINE_FIRST = ("import simple_icd_10_cm as cm; cm.get_description('E11.22'); "
                  "[c for c in cm.get_all_codes(False) if 'diabetes' in cm.get_description(c).lower()]")


def fresh_process_ms(code: str) -> float:
    """Median wall time of a new interpreter running `code`, minus a bare interpreter start."""
    def run(src: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", src], check=True)
        return time.perf_counter() - t

    bare = statistics.median(run("pass") for _ in range(RUNS))
    return round((statistics.median(run(code) for _ in range(RUNS)) - bare) * 1000, 1)


def percentiles(fn, queries: list[str]) -> dict:
    for q in queries[:10]:
        fn(q)  # warm caches, as a kernel would be after its first query
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
            "queries": len(times)}


CODE_SETS = [  # (codes, context) in reporting order: clean and defective sets across the rule families
    ("E11.22 N18.31 Z79.4", {"setting": "office", "age": 67, "sex": "F"}),
    ("I13.0 I50.22 N18.4", {"setting": "inpatient", "age": 74, "sex": "M", "poa": "Y,Y,Y"}),
    ("G30.1 F02.80", {"setting": "office", "age": 81, "sex": "F"}),
    ("F02.80 G30.1", {"setting": "office", "age": 81, "sex": "F"}),
    ("S52.501A W11.XXXA Y92.009", {"setting": "emergency", "age": 45, "sex": "M"}),
    ("E11.2 E10.9 E11.9", {"setting": "office", "age": 50, "sex": "M"}),
    ("O80 Z37.0", {"setting": "inpatient", "age": 29, "sex": "F", "poa": "Y,1"}),
    ("99213-25 20610-RT 0DTJ4Z1 97110*4", {"setting": "office", "age": 60, "sex": "F"}),
]


def validate_throughput(seconds: float = 2.0) -> dict:
    """Code sets validated per second (each a full rule pass, the MCE included), after one warm-up pass."""
    from medcode.validate import validate

    for codes, ctx in CODE_SETS:
        validate(codes, date="2026-03-02", **ctx)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        codes, ctx = CODE_SETS[n % len(CODE_SETS)]
        validate(codes, date="2026-03-02", **ctx)
        n += 1
    return {"code_sets_per_second": round(n / (time.perf_counter() - start), 1), "code_sets": len(CODE_SETS)}


def baseline_search(cm):
    """What a learner would write with simple_icd_10_cm: scan every description for all the words."""
    titles = [(c, cm.get_description(c).lower()) for c in cm.get_all_codes(False)]

    def search(q: str) -> list[str]:
        words = q.lower().split()
        return [c for c, t in titles if all(w in t for w in words)][:10]
    return search


def main() -> None:
    import simple_icd_10_cm as cm

    import medcode

    with open(QUERIES, newline="", encoding="utf-8") as f:
        queries = [r["query"] for r in csv.DictReader(f)][:100]
    result = {
        "queries_file": QUERIES.name,
        "medcode": {"fresh_import_lookup_search_ms": fresh_process_ms(MEDCODE_FIRST),
                    **percentiles(lambda q: medcode.search(q, limit=10), queries)},
        "simple_icd_10_cm": {"fresh_import_lookup_search_ms": fresh_process_ms(BASELINE_FIRST),
                             **percentiles(baseline_search(cm), queries)},
        "validate": validate_throughput(),
        "targets": {"fresh_import_lookup_search_ms": 100, "p95_ms": 5},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
