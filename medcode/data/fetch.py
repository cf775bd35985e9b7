"""Download the official code-set releases listed in source_data/releases.toml."""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import tempfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path, PureWindowsPath
from typing import TypeAlias
from urllib.parse import unquote

from medcode.data import paths
from medcode.data.sources import KINDS, cms_dirs, discover, identify

SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "ncci")
FORMATS = ("zip", "xml", "txt", "csv")
USER_AGENT = "medcode-data-fetch (Chart to Claim course kit)"
Years = int | Iterable[int] | None
Releases: TypeAlias = "list[Release] | str | os.PathLike | None"  # loaded, or a toml file to load


@dataclass(frozen=True)
class Release:
    id: str
    system: str
    publisher: str
    title: str
    url: str
    sha256: str
    fiscal_year: int
    effective_from: date
    effective_to: date
    format: str
    provides: tuple[str, ...]
    required: bool
    licence_note: str
    requires_licence_acceptance: bool = False

    @property
    def wanted(self) -> list[tuple[str, int]]:
        """(kind, year) keys discover() gives its files; HCPCS and NCCI go by calendar year."""
        year = self.effective_from.year if self.system in ("hcpcs", "ncci") else self.fiscal_year
        return [(kind, year) for kind in self.provides]


@dataclass
class Result:
    release: str
    status: str  # fetched | present | skipped | failed
    reason: str = ""
    path: str = ""
    sha256: str = ""


@dataclass
class FetchReport:
    dest: Path
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def as_dict(self) -> dict:
        """JSON-ready form for `--json`."""
        return {"dest": str(self.dest), "ok": self.ok, "results": [asdict(r) for r in self.results]}

    def lines(self) -> list[str]:
        """One line per release for people."""
        return [f"{r.status:<8} {r.release}" + "".join(f"  {x}" for x in (r.path, r.reason) if x)
                for r in self.results]


def load_releases(path: str | os.PathLike | None = None) -> list[Release]:
    """Read and check the release list (default source_data/releases.toml)."""
    path = Path(path or paths.SOURCE_DATA / "releases.toml")
    tables = tomllib.loads(path.read_text(encoding="utf-8")).get("release", [])
    releases = []
    for t in tables:
        try:
            rel = Release(**{**t, "provides": tuple(t["provides"]),
                             "effective_from": date.fromisoformat(str(t["effective_from"])),
                             "effective_to": date.fromisoformat(str(t["effective_to"]))})
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}: release {t.get('id', '?')}: {e}") from None
        unknown = [k for k in rel.provides if k not in KINDS]
        if (unknown or rel.system not in SYSTEMS or rel.format not in FORMATS
                or not re.fullmatch(r"[A-Za-z0-9][\w.-]*", rel.id)):
            raise ValueError(f"{path}: release {rel.id}: bad id, system, format or kinds {unknown}")
        releases.append(rel)
    if len({r.id for r in releases}) != len(releases):
        raise ValueError(f"{path}: release ids are not unique")
    return releases


def _select(releases: Releases, years: Years) -> list[Release]:
    rels = releases if isinstance(releases, list) else load_releases(releases)
    years = {years} if isinstance(years, int) else None if years is None else set(years)
    return [r for r in rels if years is None or r.fiscal_year in years]


def source_url(rel: Release, base_url: str | None = None) -> str:
    """The release URL, or its file name under base_url (a mirror or test server)."""
    return f"{base_url.rstrip('/')}/{rel.url.rsplit('/', 1)[-1]}" if base_url else rel.url


def _download(url: str, path: Path, timeout: float) -> str:
    """Stream url into the file at path; return its sha256."""
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as resp, open(path, "wb") as out:
        while chunk := resp.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _unzip(archive: Path, into: Path) -> None:
    """Extract a zip, refusing it whole if any member has an absolute path or '..'."""
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            member = PureWindowsPath(name)  # splits on both / and \, knows drive letters
            if member.anchor or ".." in member.parts:
                raise ValueError(f"unsafe member {name!r} in zip, refused")
        zf.extractall(into)


def _fetch_one(rel: Release, dest: Path, url: str, timeout: float) -> Result:
    """Download, verify and unpack one release into dest/<id>/; report, never raise."""
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest, prefix=f".{rel.id}-"))  # removed whatever happens
    part, unpacked, target = staging / "download.part", staging / "files", dest / rel.id
    try:
        digest = _download(url, part, timeout)
        if rel.sha256 and digest != rel.sha256.lower():
            return Result(rel.id, "failed", f"sha256 mismatch for {url}: expected {rel.sha256}, "
                          f"got {digest}; download discarded", sha256=digest)
        if rel.format == "zip":
            _unzip(part, unpacked)
        else:
            unpacked.mkdir()
            part.rename(unpacked / (Path(unquote(url.rsplit("/", 1)[-1])).name or rel.id))
        shutil.rmtree(target, ignore_errors=True)
        unpacked.rename(target)
    except urllib.error.URLError as e:  # HTTPError too
        why = f"HTTP {e.code} {e.reason}" if isinstance(e, urllib.error.HTTPError) else e.reason
        return Result(rel.id, "failed", f"could not download {url}: {why}")
    except (OSError, http.client.HTTPException, zipfile.BadZipFile, ValueError) as e:
        return Result(rel.id, "failed", f"{url}: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = {(s.kind, s.year) for p in target.rglob("*") if p.is_file() and (s := identify(p))}
    if absent := ", ".join(f"{k} {y}" for k, y in rel.wanted if (k, y) not in found):
        reason = f"downloaded, but it holds no {absent} file"
        return Result(rel.id, "failed", reason, str(target), digest)
    note = "" if rel.sha256 else f"sha256 {digest} (not yet recorded in releases.toml)"
    return Result(rel.id, "fetched", note, str(target), digest)


def fetch(years: Years = None, dest: str | os.PathLike | None = None,
          base_url: str | None = None, accept_licence: bool = False, timeout: float = 30,
          releases: Releases = None) -> FetchReport:
    """Fetch each release of these fiscal years (all if None) whose files are not on disk."""
    dest = Path(dest or paths.fetch_dir())
    report = FetchReport(dest)
    have = discover([*cms_dirs(), dest])
    for rel in _select(releases, years):
        if all(key in have for key in rel.wanted):
            where = ", ".join(sorted({str(have[key].parent) for key in rel.wanted}))
            report.results.append(Result(rel.id, "present", "already on disk", where))
        elif rel.requires_licence_acceptance and not accept_licence:
            reason = f"{rel.licence_note} Rerun with --accept-licence once you accept the terms."
            report.results.append(Result(rel.id, "skipped", reason))
        else:
            report.results.append(_fetch_one(rel, dest, source_url(rel, base_url), timeout))
    return report


def missing(years: Years = None, releases: Releases = None) -> list[str]:
    """Plain-English lines naming each missing kind, its release and URL, and how to get it."""
    have = discover()
    lines = []
    for rel in _select(releases, years):
        flag = " --accept-licence" if rel.requires_licence_acceptance else ""
        lines += [f"Missing {kind} for {year} (FY{rel.fiscal_year}). It comes in release {rel.id} "
                  f"({rel.title}), {rel.url}. To get it, run `medcode data fetch --year "
                  f"{rel.fiscal_year}{flag}`, or set MEDCODE_CMS_DIR to a folder holding the "
                  "official files." for kind, year in rel.wanted if (kind, year) not in have]
    return lines
