"""medcode.data.fetch against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import functools
import hashlib
import io
import json
import socket
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from medcode.data.fetch import fetch, load_releases, missing
from medcode.data.sources import KINDS, discover

DRUG_XML = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index>
  <version>2099</version>
  <title>Table of Drugs and Chemicals</title>
  <indexHeading>
    <head col="1">Substance</head>
    <head col="2">Poisoning, Accidental (unintentional)</head>
  </indexHeading>
  <letter><title>A</title>
    <mainTerm><title>Aspirin</title>
      <cell col="1">Aspirin</cell><cell col="2">T39.011</cell>
    </mainTerm>
  </letter>
</ICD10CM.index>
"""
CMS_URL = "https://www.cms.gov/files/zip/drug-2099.zip"  # fetch swaps the host for base_url
MUE_CSV = "HCPCS/CPT Code,Practitioner Services MUE Values\nA0001,1\n"


def zip_bytes(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def release_toml(rid: str, url: str, digest: str = "", kinds=("icd10cm-drug",), system="icd10cm",
                 fmt="zip", gated=False, start="2098-10-01") -> str:
    return f"""
[[release]]
id = "{rid}"
system = "{system}"
publisher = "Test publisher"
title = "Test release {rid}"
url = "{url}"
sha256 = "{digest}"
fiscal_year = 2099
effective_from = {start}
effective_to = 2099-09-30
format = "{fmt}"
provides = {json.dumps(list(kinds))}
required = false
licence_note = "Test licence."
requires_licence_acceptance = {str(gated).lower()}
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Keep the machine's own official files out of discover()."""
    (tmp_path / "cms").mkdir()
    monkeypatch.setenv("MEDCODE_CMS_DIR", str(tmp_path / "cms"))
    monkeypatch.setenv("MEDCODE_FETCH_DIR", str(tmp_path / "cache"))


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on an ephemeral port; yield (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def drug_zip(server):
    root, base = server
    data = zip_bytes({"icd10cm-drug-2099.xml": DRUG_XML})
    (root / "drug-2099.zip").write_bytes(data)
    return data, base


def write_toml(tmp_path, *tables: str):
    path = tmp_path / "releases.toml"
    path.write_text("".join(tables))
    return path


def test_fetch_downloads_verifies_and_extracts(tmp_path, drug_zip):
    data, base = drug_zip
    toml = write_toml(tmp_path, release_toml("drug-2099", CMS_URL, sha(data)))
    dest = tmp_path / "cache"

    report = fetch(years=[2099], base_url=base, releases=toml)

    [result] = report.results
    assert (result.status, result.sha256, result.reason) == ("fetched", sha(data), "")
    assert report.ok and report.dest == dest
    found = discover([dest])
    assert found[("icd10cm-drug", 2099)] == dest / "drug-2099" / "icd10cm-drug-2099.xml"
    assert sorted(p.name for p in dest.iterdir()) == ["drug-2099"]  # no zip or temp files left
    json.dumps(report.as_dict())

    again = fetch(years=2099, base_url=base, releases=toml)
    assert [r.status for r in again.results] == ["present"]
    assert missing(years=[2099], releases=toml) == []


def test_unknown_sha256_is_reported_for_recording(tmp_path, drug_zip):
    data, base = drug_zip
    toml = write_toml(tmp_path, release_toml("drug-2099", f"{base}/drug-2099.zip"))
    [result] = fetch(releases=toml).results
    assert result.status == "fetched"
    assert sha(data) in result.reason and "releases.toml" in result.reason


def test_wrong_sha256_fails_and_leaves_no_file(tmp_path, drug_zip):
    data, base = drug_zip
    toml = write_toml(tmp_path, release_toml("good", f"{base}/drug-2099.zip", sha(data)),
                      release_toml("bad", f"{base}/drug-2099.zip", "0" * 64))
    dest = tmp_path / "out"

    report = fetch(dest=dest, releases=load_releases(toml))

    good, bad = report.results
    assert good.status == "fetched"
    assert bad.status == "failed" and not report.ok
    assert "sha256 mismatch" in bad.reason and "0" * 64 in bad.reason and sha(data) in bad.reason
    assert sorted(p.name for p in dest.iterdir()) == ["good"]
    assert any("failed" in line and "sha256 mismatch" in line for line in report.lines())


def test_http_404_is_reported_not_raised(tmp_path, server):
    _, base = server
    toml = write_toml(tmp_path, release_toml("gone", f"{base}/no-such-file.zip"))
    report = fetch(releases=toml)
    [result] = report.results
    assert result.status == "failed" and "HTTP 404" in result.reason
    assert list((tmp_path / "cache").iterdir()) == []  # no temp files left behind


def test_zip_with_parent_member_is_rejected(tmp_path, server):
    root, base = server
    (root / "evil.zip").write_bytes(zip_bytes({"ok.xml": DRUG_XML, "../evil": "pwned"}))
    toml = write_toml(tmp_path, release_toml("evil", f"{base}/evil.zip"))
    dest = tmp_path / "deep" / "cache"

    [result] = fetch(dest=dest, releases=toml).results

    assert result.status == "failed" and "../evil" in result.reason and "unsafe" in result.reason
    assert list(dest.iterdir()) == []
    assert not (dest.parent / "evil").exists()


def test_zip_with_absolute_member_is_rejected(tmp_path, server):
    root, base = server
    (root / "abs.zip").write_bytes(zip_bytes({"/tmp/abs-evil": "pwned"}))
    toml = write_toml(tmp_path, release_toml("abs", f"{base}/abs.zip"))
    [result] = fetch(releases=toml).results
    assert result.status == "failed" and "unsafe" in result.reason


def test_release_without_expected_kind_fails(tmp_path, server):
    root, base = server
    (root / "empty.zip").write_bytes(zip_bytes({"readme.txt": "nothing official here"}))
    toml = write_toml(tmp_path, release_toml("empty", f"{base}/empty.zip"))
    [result] = fetch(releases=toml).results
    assert result.status == "failed" and "icd10cm-drug 2099" in result.reason


def test_unreachable_server_is_reported_not_raised(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before fetch runs
    toml = write_toml(tmp_path, release_toml("offline", CMS_URL))
    [result] = fetch(base_url=f"http://127.0.0.1:{port}/", timeout=5, releases=toml).results
    assert result.status == "failed" and "could not download" in result.reason
    assert f"127.0.0.1:{port}/drug-2099.zip" in result.reason


def test_licence_gated_release_needs_acceptance(tmp_path, server):
    root, base = server
    name = "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"
    (root / name).write_text(MUE_CSV)
    toml = write_toml(tmp_path, release_toml("mue", f"https://www.cms.gov/files/csv/{name}",
                                             kinds=["ncci-mue"], system="ncci", fmt="csv",
                                             gated=True, start="2099-04-01"))

    [skipped] = fetch(base_url=base, releases=toml).results
    assert skipped.status == "skipped" and "--accept-licence" in skipped.reason
    assert not (tmp_path / "cache" / "mue").exists()
    assert "--accept-licence" in missing(releases=toml)[0]

    [fetched] = fetch(base_url=base, accept_licence=True, releases=toml).results
    assert fetched.status == "fetched"
    assert discover([tmp_path / "cache"])[("ncci-mue", 2099)].name == name


def test_missing_names_kind_release_url_and_both_remedies(tmp_path):
    url = "https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/2099/drug-2099.zip"
    toml = write_toml(tmp_path, release_toml("drug-2099", url))
    [line] = missing(years=[2099], releases=toml)
    for part in ("icd10cm-drug", "2099", "drug-2099", url, "medcode data fetch", "MEDCODE_CMS_DIR"):
        assert part in line
    assert missing(years=[2098], releases=toml) == []


def test_shipped_release_list_is_valid():
    releases = load_releases()
    by_year = {(r.system, r.fiscal_year) for r in releases}
    assert {("icd10cm", 2026), ("icd10pcs", 2026), ("hcpcs", 2026), ("ncci", 2026),
            ("icd10cm", 2025), ("icd10pcs", 2025)} <= by_year
    for r in releases:
        assert set(r.provides) <= set(KINDS) and r.effective_from < r.effective_to
        assert r.url.startswith(("https://ftp.cdc.gov/", "https://www.cms.gov/"))
        assert r.required == (r.system == "icd10cm")
        assert r.requires_licence_acceptance == (r.system == "ncci")
