"""The lock files pin, with hashes, everything pyproject.toml asks for.

scripts/_env.sh and the Dockerfile install only from requirements/; a dependency added
to pyproject.toml without `./scripts/lock` would be missing there.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {canonicalize_name(pkg): version for pkg, version in PIN.findall(text)}


def _wanted(*groups: str) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = list(project["project"]["dependencies"])
    for group in groups:
        declared += project["project"]["optional-dependencies"][group]
    declared += project["build-system"]["requires"]
    return {canonicalize_name(r.name): r for r in map(Requirement, declared)}


def _every_pin_is_hashed(name: str) -> None:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1])
    unhashed = [b.split()[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert unhashed == []


def test_production_lock_pins_every_runtime_and_build_dependency():
    pins = _pins("lock.txt")
    for name, requirement in _wanted().items():
        assert name in pins, f"{name} is not in requirements/lock.txt: ./scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), name
    _every_pin_is_hashed("lock.txt")


def test_dev_lock_adds_the_dev_tools_at_the_production_versions():
    production, dev = _pins("lock.txt"), _pins("dev-lock.txt")
    for name, requirement in _wanted("dev").items():
        assert name in dev, f"{name} is missing in dev-lock.txt: ./scripts/lock"
        assert requirement.specifier.contains(dev[name], prereleases=True), name
    # Tests run exactly what production runs.
    assert {name: dev[name] for name in production} == production
    _every_pin_is_hashed("dev-lock.txt")
