"""Search a code set the way a coder works: Alphabetic Index and Tabular titles, ranked for trust."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
from functools import lru_cache

from medcode.codes import candidates, clean, system_name
from medcode.model import Hit
from medcode.store import connect, resolve_year

MAX_QUERY = 200  # characters considered; a search box, not a document
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "to", "for", "with", "by", "at", "or", "from",
             "is", "was", "has", "had", "patient", "pt", "my", "his", "her", "their", "left", "right"}
LATERAL = {"left", "right", "bilateral"}
KIND_WEIGHT = {"index": 1.35, "title": 1.0, "inclusion": 0.95, "drug": 0.9, "neoplasm": 0.9, "eindex": 0.8,
               "procedure": 1.0, "modifier": 0.8}
WORD = re.compile(r"[^\W_]+")


def search(query: object, system: str = "icd10cm", limit: int = 10, billable_only: bool = False,
           chapter: str | None = None, year: int | None = None, date: str | dt.date | None = None) -> list[Hit]:
    """Codes for a clinical or everyday phrase, or a code's own family for a code-shaped query.

    Returns [] for an empty or meaningless query (None, "", punctuation, emoji)."""
    system = system_name(system) or "icd10cm"
    if not isinstance(query, str):
        return []
    query = query[:MAX_QUERY]
    limit = max(1, min(int(limit), 200))
    db = connect(resolve_year(year, date))
    text = query.strip()
    if not text:
        return []
    codes = [c for s, c in candidates(text.rstrip(".").replace(" ", ""), system) if s == system]
    if codes and " " not in text.strip():
        hits = _code_family(db, system, codes[0], limit * 3)
        if hits:
            return _filter(db, hits, billable_only, chapter)[:limit]
    groups = _groups(db, text)
    if not groups:
        return []
    hits = _rank(db, system, groups, limit, billable_only, chapter)
    return hits[:limit]


def _code_family(db: sqlite3.Connection, system: str, code: str, limit: int) -> list[Hit]:
    """The code itself, then its descendants in book order (e11.2 -> E11.2, E11.21, E11.22, ...)."""
    if system == "icd10cm":
        sql = ("SELECT id, title, billable FROM cm_node WHERE id >= ? AND id < ? AND kind NOT IN ('chapter','block') "
               "ORDER BY id != ?, seq LIMIT ?")
    else:
        table, title, billable = {"icd10pcs": ("pcs_code", "title", "1"), "hcpcs": ("hcpcs", "long", "terminated = ''"),
                                  "cpt": ("cpt", "description", "1")}[system]
        sql = (f"SELECT code, {title}, {billable} FROM {table} WHERE code >= ? AND code < ? "
               "ORDER BY code != ?, code LIMIT ?")
    rows = db.execute(sql, (code, code + "\uffff", code, limit)).fetchall()
    return [Hit(c, t, bool(b), 100.0 - i * 0.01, "code", system) for i, (c, t, b) in enumerate(rows)]


@lru_cache(maxsize=8)
def _synonyms(db: sqlite3.Connection) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {tuple(WORD.findall(p)): tuple(WORD.findall(m)) for p, m in db.execute("SELECT phrase, means FROM synonym")}


def _groups(db: sqlite3.Connection, text: str) -> list[list[tuple[str, ...]]]:
    """Query words grouped: each group is a list of alternatives (the words, or what a synonym means)."""
    words = [w for w in WORD.findall(text.lower()) if len(w) < 40]
    syn = _synonyms(db)
    groups, i = [], 0
    while i < len(words):
        for n in (4, 3, 2, 1):
            phrase = tuple(words[i:i + n])
            if len(phrase) == n and phrase in syn:
                alts = [tuple(w for w in phrase if w not in STOPWORDS), syn[phrase]]
                groups.append([a for a in alts if a])
                i += n
                break
        else:
            if words[i] not in STOPWORDS:
                groups.append([(words[i],)])
            i += 1
    return groups


def _fts(groups: list[list[tuple[str, ...]]], prefix_last: bool) -> str:
    parts = []
    for gi, alts in enumerate(groups):
        last = prefix_last and gi == len(groups) - 1
        ors = []
        for alt in alts:
            toks = [f'"{w}"' + ("*" if last and j == len(alt) - 1 and len(w) >= 3 else "") for j, w in enumerate(alt)]
            ors.append("(" + " AND ".join(toks) + ")")
        parts.append("(" + " OR ".join(ors) + ")")
    return " AND ".join(parts)


def _rank(db, system, groups, limit, billable_only, chapter) -> list[Hit]:
    best: dict[str, list] = {}
    tiers = [groups] + ([groups[:i] + groups[i + 1:] for i in range(len(groups))] if 1 < len(groups) <= 6 else [])
    nq = sum(len(g[0]) for g in groups)
    for tier, gs in enumerate(tiers):
        if tier == 1 and len(best) >= limit:
            break
        rows = db.execute(
            "SELECT d.code, d.kind, d.via, d.billable, d.words, bm25(doc_fts) FROM doc_fts JOIN doc d ON d.id = doc_fts.rowid "
            "WHERE doc_fts MATCH ? AND d.system = ? ORDER BY bm25(doc_fts) LIMIT 400",
            (_fts(gs, prefix_last=True), system)).fetchall()
        for code, kind, via, billable, words, bm in rows:
            if billable_only and not billable:
                continue
            score = (-bm * KIND_WEIGHT.get(kind, 1.0) - 0.25 * max(0, words - nq) + 1.5 * billable
                     - (0 if tier == 0 else 6.0))
            if code not in best or score > best[code][0]:
                best[code] = [score, via, billable, best.get(code, [0, 0, 0, 0])[3] + 1]
            else:
                best[code][3] += 1
    ranked = sorted(best.items(), key=lambda kv: -(kv[1][0] + 0.3 * min(kv[1][3], 4)))
    hits = []
    for code, (score, via, billable, n) in ranked:
        hits.append(Hit(code, "", bool(billable), round(score + 0.3 * min(n, 4), 3), via, system))
        if len(hits) >= limit * 3:
            break
    hits = _filter(db, hits, billable_only, chapter)[:limit]
    return [Hit(h.code, _title(db, system, h.code), h.billable, h.score, h.via, system) for h in hits]


def _title(db: sqlite3.Connection, system: str, code: str) -> str:
    sql = {"icd10cm": "SELECT title FROM cm_node WHERE id = ?", "icd10pcs": "SELECT title FROM pcs_code WHERE code = ?",
           "hcpcs": "SELECT long FROM hcpcs WHERE code = ?", "cpt": "SELECT description FROM cpt WHERE code = ?"}[system]
    row = db.execute(sql, (code,)).fetchone()
    return row[0] if row else ""


def _filter(db, hits: list[Hit], billable_only: bool, chapter: str | None) -> list[Hit]:
    if billable_only:
        hits = [h for h in hits if h.billable]
    if chapter and hits and hits[0].system == "icd10cm":
        want = str(chapter).strip().upper()
        keep = {c for (c,) in db.execute(
            f"SELECT id FROM cm_node WHERE chapter = ? AND id IN ({','.join('?' * len(hits))})",
            (want, *[h.code for h in hits]))}
        hits = [h for h in hits if h.code in keep]
    return hits
