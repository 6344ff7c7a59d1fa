"""Licences, REUSE style: every file in the repository is covered by an annotation in REUSE.toml whose licence text is in LICENSES/."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A REUSE.toml path pattern as a regex: ``**`` crosses folders, ``*`` does not (REUSE spec 3.3)."""
    out = ""
    for part in re.split(r"(\*\*|\*)", pattern):
        out += ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
    return re.compile(out + r"\Z")


def annotations() -> list[dict]:
    return tomllib.loads((ROOT / "REUSE.toml").read_text(encoding="utf-8"))["annotations"]


def licence_of(path: str, notes: list[dict]) -> list[str]:
    """The licences REUSE assigns to a file: the last matching override wins, else every matching aggregate."""
    matching = [n for n in notes if any(glob_regex(p).match(path) for p in n["path"])]
    overrides = [n for n in matching if n.get("precedence") == "override"]
    chosen = overrides[-1:] if overrides else matching
    return [n["SPDX-License-Identifier"] for n in chosen]


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [line for line in out.splitlines() if line and not line.startswith("LICENSES/")]


def test_every_file_has_a_licence() -> None:
    notes = annotations()
    files = tracked_files()
    assert len(files) > 100
    missing = [f for f in files if not licence_of(f, notes)]
    assert not missing, f"files no REUSE.toml annotation covers: {missing[:20]}"


def test_every_licence_named_has_its_text() -> None:
    named = {n["SPDX-License-Identifier"] for n in annotations()}
    texts = {p.stem for p in (ROOT / "LICENSES").glob("*.txt")}
    assert named <= texts, f"licences without a text in LICENSES/: {sorted(named - texts)}"
    assert texts <= named, f"texts in LICENSES/ no annotation uses: {sorted(texts - named)}"


def test_the_package_metadata_names_the_same_licences() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    expression = set(re.split(r"\s+AND\s+", project["license"]))
    assert expression == {n["SPDX-License-Identifier"] for n in annotations()}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("api/web/app.py", ["MIT"], id="code"),
        pytest.param("evidence/entries/x.ttl", ["CC-BY-4.0"], id="knowledge"),
        pytest.param("ontology/imports/bcio_setting.owl", ["CC-BY-4.0"], id="bcio"),
        pytest.param("ontology/imports/sdgs-ontology.ttl", ["LicenseRef-UN-SDG-KOS"], id="sdg-over-knowledge"),
        pytest.param("unlisted/file.txt", [], id="uncovered-is-seen"),
    ],
)
def test_annotations_resolve_as_reuse_does(path: str, expected: list[str]) -> None:
    assert licence_of(path, annotations()) == expected
