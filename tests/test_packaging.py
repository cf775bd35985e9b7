"""The repo's packaging, layout and CI wiring stay as the README promises."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOP_FOLDERS = ["medcode", "autograder", "course", "assignments", "source_data", "tests", "benchmarks", "deploy"]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(req: str) -> str:
    return req.strip()[len(_name(req)):].replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): _spec(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    listed = {}
    for item in env:
        for req in item["pip"] if isinstance(item, dict) else [item]:
            if not req.startswith("-e") and _name(req) not in ("python", "pip"):
                listed[_name(req)] = _spec(req)
    assert listed == wanted
    assert any(isinstance(i, dict) and "-e .[dev]" in i["pip"] for i in env)


def test_every_top_level_folder_has_a_readme():
    missing = [f for f in TOP_FOLDERS if not (ROOT / f / "README.md").is_file()]
    assert not missing


def test_readme_opens_with_the_two_commands_and_ci_runs_make_test():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:\w+)?\n(.*?)```", readme, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make lab", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_no_official_data_or_built_store_is_tracked():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.endswith((".sqlite", ".xml", ".zip", ".xlsx"))]
