"""The conda environment file and the pip project file must describe the same packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("book", "test"):
        reqs += project["optional-dependencies"][extra]
    return dict(_split(r) for r in reqs)


def _split(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", requirement)
    assert match, f"requirement {requirement!r} is not pinned exactly (name==version)"
    return match.group(1).lower().replace("_", "-"), match.group(2)


def _environment_pip_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip: section"
    return dict(_split(r) for r in pip_sections[0])


def test_environment_yml_pins_the_same_packages_as_pyproject():
    assert _environment_pip_requirements() == _pyproject_requirements()


def test_toolchain_pins_match_the_recorded_toolchain():
    reqs = _pyproject_requirements()
    assert reqs["torch"] == "2.14.1"
    assert reqs["torchvision"] == "0.29.1"
    assert reqs["jupyter-book"] == "1.0.4.post1"
    assert "nbval" in reqs and "sphinx-exercise" in reqs


def test_environment_yml_names_python_3_11_and_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in plain and "pip" in plain
    assert env["name"] == "cnnbook"


def test_readme_gives_exactly_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```(?:bash|sh)\n(.*?)```", readme, re.S)
    assert block, "README.md must start its instructions with a bash code block"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    commands = [c for c in commands if c]
    assert commands == ["make book", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
