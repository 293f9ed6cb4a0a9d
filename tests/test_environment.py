"""The conda environment file and the pip project file must describe the same packages."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("book", "test", "lab", "teach"):
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


def test_lab_extra_pins_jupyterlab_with_myst_rendering_and_teach_pins_nbgrader():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    lab = dict(_split(r) for r in extras["lab"])
    assert {"jupyterlab", "jupyterlab-myst"} <= set(lab)
    assert not {"pytest", "nbval", "jupyter-book", "playwright"} & set(lab), "the lab extra must stay lean"
    assert dict(_split(r) for r in extras["teach"]) == {"nbgrader": "0.9.6"}


def _lower_bound(spec: str) -> tuple[int, ...]:
    match = re.search(r">=\s*([0-9.]+)", spec)
    assert match, f"no lower bound in {spec!r}"
    return tuple(int(part) for part in match.group(1).split("."))


def test_requires_python_is_the_highest_lower_bound_of_the_pinned_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {}
    for requirement in project["dependencies"]:
        name, version = _split(requirement)
        installed = importlib.metadata.metadata(name)
        assert installed["Version"] == version, f"{name} {installed['Version']} is installed, {version} is pinned"
        needed[name] = _lower_bound(installed["Requires-Python"])
    assert _lower_bound(project["requires-python"]) == max(needed.values()), needed


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


def test_book_build_ignores_the_caches_that_the_test_command_can_leave_behind():
    # `make book` after `make test` once failed: Sphinx found .pytest_cache/README.md and -W turned its
    # "not in any toctree" warning into an error.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert {".pytest_cache", ".hypothesis"} <= set(config["exclude_patterns"])
