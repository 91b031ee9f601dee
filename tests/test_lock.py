"""requirements/lock.txt pins every package pyproject.toml asks for, at a version that fits its bounds.

`make` installs with the lock as constraints; a dependency added to pyproject.toml without `make lock`
would install at whatever version is newest that day, and two clones would differ.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    return [Requirement(text) for text in wanted]


def lock_problems(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    problems = []
    for requirement in requirements:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in requirements/lock.txt (run `make lock`)")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} does not fit {requirement} (run `make lock`)")
    return problems


def test_every_dependency_is_pinned_at_a_version_that_fits_pyproject():
    pins, requirements = _pins(), _requirements()
    assert lock_problems(requirements, pins) == []
    assert len(pins) > len(requirements), "the lock should also pin what the dependencies need"


def test_a_missing_or_too_old_pin_is_named():
    pins = {"flask": "2.0.0"}
    assert lock_problems([Requirement("Flask>=3.1"), Requirement("icalendar>=6")], pins) == [
        "Flask==2.0.0 does not fit Flask>=3.1 (run `make lock`)",
        "icalendar is not in requirements/lock.txt (run `make lock`)",
    ]
