"""Search a code set the way a coder works: Alphabetic Index and Tabular titles, ranked for trust."""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from functools import lru_cache

from medcode.codes import candidates, system_name
from medcode.model import Hit
from medcode.store import connect, resolve_year

MAX_QUERY = 200  # characters considered: a search box, not a document
CANDIDATES = 150  # texts scored per query stage
STOPWORDS = {"a", "an", "and", "the", "of", "in", "on", "to", "for", "with", "by", "at", "or", "from", "as",
             "is", "was", "has", "had", "patient", "pt", "my", "his", "her", "their", "nos", "nec", "due", "see"}
KIND_BONUS = {"index": 3.0, "title": 0.0, "inclusion": -1.0, "drug": -1.0, "neoplasm": -1.0, "eindex": -2.0,
              "procedure": 0.0, "modifier": -1.0}
WORD = re.compile(r"[^\W_]+")
TITLE_SQL = {"icd10cm": "SELECT title FROM cm_node WHERE id = ?",
             "icd10pcs": "SELECT title FROM pcs_code WHERE code = ?",
             "hcpcs": "SELECT long FROM hcpcs WHERE code = ?", "cpt": "SELECT description FROM cpt WHERE code = ?"}
# Words a coder settles in the Tabular, not the Index: they pick the child code, they do not find the entry.
TABULAR_WORDS = {"right", "left", "bilateral", "closed", "open", "initial", "subsequent", "sequela", "encounter",
                 "displaced", "nondisplaced", "unspecified"}
SQL = ("SELECT d.code, d.kind, d.via, d.billable, d.text, d.also, bm25(doc_fts, 1.0, 0.0) FROM doc_fts "
       "JOIN doc d ON d.id = doc_fts.rowid WHERE doc_fts MATCH ? AND d.system = ? AND d.billable >= ? "
       "AND (? = '' OR d.chapter = ?) {main} LIMIT ?")
# Candidates come first from Index main terms holding every word (shortest first), then any text holding
# every word (best bm25 first), then - only while too few codes were found - the last word as a prefix
# (typing), and - only when nothing matched every word - every query less one word group.
MAIN = "AND d.level = 0 ORDER BY length(d.text)"
BEST = "ORDER BY bm25(doc_fts, 1.0, 0.0)"


def search(query: object, system: str = "icd10cm", limit: int = 10, billable_only: bool = False,
           chapter: str | None = None, year: int | None = None, date: str | dt.date | None = None) -> list[Hit]:
    """Codes for a clinical or everyday phrase, or a code's own family for a code-shaped query.

    Returns [] for an empty or meaningless query (None, "", punctuation, emoji)."""
    system = system_name(system) or "icd10cm"
    if not isinstance(query, str) or not query.strip():
        return []
    text = query[:MAX_QUERY].strip()
    limit = max(1, min(int(limit), 200))
    chapter = str(chapter or "").strip().upper()
    db = connect(resolve_year(year, date))
    if " " not in text:
        codes = [c for s, c in candidates(text.rstrip("."), system) if s == system]
        family = _code_family(db, system, codes[0], limit, billable_only, chapter) if codes else []
        if family:
            return family
    groups = _groups(db, text)
    soft = {g[0][0] for g in groups if len(g) == 1 and g[0][0] in TABULAR_WORDS}
    hard = [g for g in groups if not (len(g) == 1 and g[0][0] in soft)] or groups
    if not hard:
        return []
    ranked = _rank(db, system, hard, soft, limit, billable_only, chapter)
    if system == "icd10cm":
        ranked = _complete(db, ranked, {w for g in groups for alt in g for w in alt}, billable_only)
    return [Hit(code, _title(db, system, code), bool(b), round(score, 2), via, system)
            for code, score, via, b in ranked[:limit]]


def _code_family(db, system, code, limit, billable_only, chapter) -> list[Hit]:
    """The code, then its descendants in book order (e11.2 -> E11.2, E11.21, ...); an unknown code's
    nearest existing ancestor stands in (E11.999 -> E11.9)."""
    if system == "icd10cm":
        sql = ("SELECT id, title, billable FROM cm_node WHERE id >= ? AND id < ? AND kind NOT IN ('chapter','block') "
               "AND billable >= ? AND (? = '' OR chapter = ?) ORDER BY id != ?, seq LIMIT ?")
    else:
        table, title, billable = {"icd10pcs": ("pcs_code", "title", "1"), "hcpcs": ("hcpcs", "long", "terminated = ''"),
                                  "cpt": ("cpt", "description", "1")}[system]
        sql = (f"SELECT code, {title}, {billable} AS b FROM {table} WHERE code >= ? AND code < ? AND b >= ? "
               "AND ? = ? ORDER BY code != ?, code LIMIT ?")
    while len(code) >= 3:
        rows = db.execute(sql, (code, code + "\uffff", int(billable_only), chapter, chapter, code, limit)).fetchall()
        if rows:
            return [Hit(c, t, bool(b), 100.0 - i * 0.01, "code", system) for i, (c, t, b) in enumerate(rows)]
        code = code[:-1].rstrip(".")
    return []


def _key(words) -> tuple[str, ...]:
    """A phrase as synonym lookup sees it: no stopwords, no plural s (gallstones = gallstone)."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOPWORDS)


@lru_cache(maxsize=8)
def _synonyms(db: sqlite3.Connection) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {_key(WORD.findall(p)): tuple(WORD.findall(m)) for p, m in db.execute("SELECT phrase, means FROM synonym")}


def _groups(db: sqlite3.Connection, text: str) -> list[list[tuple[str, ...]]]:
    """Query words in groups; each group lists its alternatives (the words, or what a synonym means)."""
    words = [w for w in WORD.findall(text.lower()) if len(w) < 40 and w not in STOPWORDS][:30]
    syn = _synonyms(db)
    groups, i = [], 0
    while i < len(words):
        for n in (4, 3, 2, 1):
            phrase = words[i:i + n]
            if len(phrase) == n and _key(phrase) in syn:
                groups.append([tuple(phrase), syn[_key(phrase)]])
                i += n
                break
        else:
            groups.append([(words[i],)])
            i += 1
    return groups


def _fts(groups, join: str, prefix_last: bool) -> str:
    """An FTS5 query: groups joined by AND/OR, alternatives by OR, words quoted (no FTS syntax gets through)."""
    parts = []
    for gi, alts in enumerate(groups):
        last = prefix_last and gi == len(groups) - 1
        ors = [" AND ".join(f'"{w}"' + ("*" if last and j == len(alt) - 1 and len(w) >= 3 else "")
                            for j, w in enumerate(alt)) for alt in alts]
        parts.append("(" + " OR ".join(f"({o})" for o in ors) + ")")
    return f" {join} ".join(parts)


@lru_cache(maxsize=1 << 16)
def _same(a: str, b: str) -> bool:
    """Words a coder reads as the same: equal, plural, or one stem (infarct/infarction, diabetes/diabetic)."""
    if a == b or a.rstrip("s") == b.rstrip("s"):
        return True
    n = len(os.path.commonprefix([a, b]))
    return n >= max(4, min(len(a), len(b)) - 2) and max(len(a), len(b)) - n <= 4


def _score(groups, soft, kind, billable, text, also, bm) -> float:
    words = [w for w in WORD.findall(text) if w not in STOPWORDS]
    extra_ok = set(WORD.findall(also))
    all_words = set(words) | extra_ok
    matched_groups, used = 0, set()
    for alts in groups:
        for alt in alts:
            hits = [next((d for d in all_words if _same(q, d)), None) for q in alt]
            if all(hits):
                matched_groups += 1
                used.update(hits)
                break
    used |= {w for w in words if w in soft}
    extra = sum(1 for w in words if w not in used and not any(_same(w, u) for u in used))
    return (100.0 * matched_groups / len(groups) - 2.5 * extra + 1.0 * len(soft & set(words))
            + KIND_BONUS.get(kind, 0) + 2.0 * billable - 0.05 * bm)


def _rank(db, system, groups, soft, limit, billable_only, chapter) -> list[tuple[str, float, str, int]]:
    """(code, score, via, billable) best first: all words matched, few extra words, index and billable first."""
    best: dict[str, tuple[float, str, int]] = {}

    def gather(subset, prefix: bool, order: str, size: int) -> None:
        args = (_fts(subset, "AND", prefix), system, int(billable_only), chapter, chapter, size)
        for code, kind, via, billable, text, also, bm in db.execute(SQL.format(main=order), args):
            score = _score(groups, soft, kind, billable, text, also, bm)
            if code not in best or score > best[code][0]:
                best[code] = (score, via, billable)

    gather(groups, False, MAIN, 50)
    gather(groups, False, BEST, CANDIDATES)
    if len(best) < limit:
        gather(groups, True, BEST, CANDIDATES)
    if not best and len(groups) > 1:
        for i in range(len(groups)):
            gather(groups[:i] + groups[i + 1:], False, BEST, CANDIDATES)
    return sorted(((c, s, v, b) for c, (s, v, b) in best.items()), key=lambda r: -r[1])


def _complete(db, ranked, query_words: set[str], billable_only: bool):
    """Follow a header hit down the Tabular to the billable code the words support (as a coder would):
    the child naming a query word (left, closed...), else the unspecified one; initial encounter by default."""
    out, seen = [], set()
    for i, (code, score, via, billable) in enumerate(ranked):
        if not billable and i < 8:
            full = _descend(db, code, query_words)
            if full and full not in seen:
                out.append((full, score - 0.01, via if via == "tabular" else f"{via} -> tabular", 1))
                seen.add(full)
        if code not in seen and (billable or not billable_only):
            out.append((code, score - (0.02 if not billable else 0), via, billable))
            seen.add(code)
    return sorted(out, key=lambda r: -r[1])


def _fit(kid: tuple, parent_words: set[str], query_words: set[str]) -> tuple:
    """How well a child code suits the query: words it adds that the query names, then the default
    (initial encounter, unspecified), then the 0/9 "unspecified" position."""
    words = set(WORD.findall(kid[1].lower())) - parent_words
    named = sum(any(_same(q, w) for w in words) for q in query_words)
    tail = kid[0][-1]
    return (named, tail == "A" or "unspecified" in words, tail in "09")


def _descend(db, code: str, query_words: set[str]) -> str | None:
    for _ in range(5):
        kids = db.execute("SELECT id, title, billable FROM cm_node WHERE parent = ? ORDER BY seq", (code,)).fetchall()
        if not kids:
            return None
        parent_words = set(WORD.findall(_title(db, "icd10cm", code).lower()))
        code, _, billable = max(kids, key=lambda kid: _fit(kid, parent_words, query_words))
        if billable:
            return code
    return None


def _title(db: sqlite3.Connection, system: str, code: str) -> str:
    row = db.execute(TITLE_SQL[system], (code,)).fetchone()
    return row[0] if row else ""
