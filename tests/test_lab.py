"""`make lab` opens real JupyterLab on the first lesson."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_serves_the_start_notebook(tmp_path):
    port, token = free_port(), "chart-to-claim-test"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
           "--allow-root"]
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + (server.stderr.read(2000) if server.poll() is not None else ""))
        with urllib.request.urlopen(f"{base}/lab/tree/course/00-start-here.ipynb?token={token}", timeout=10) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
        url = f"{base}/api/contents/course/00-start-here.ipynb?token={token}"
        with urllib.request.urlopen(url, timeout=10) as r:
            nb = json.load(r)
        assert nb["type"] == "notebook" and nb["content"]["cells"][0]["source"].startswith("# Start here")
    finally:
        server.terminate()
        server.wait(timeout=20)
