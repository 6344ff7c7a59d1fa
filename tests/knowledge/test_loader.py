"""Parsing knowledge files: syntax errors name the file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.errors import KnowledgeSyntaxError
from api.knowledge.loader import knowledge_files, parse_file
from harness import run_cli

DATA = Path(__file__).parents[1] / "data" / "syntax"


@pytest.mark.parametrize(
    ("name", "line", "column", "detail"),
    [
        pytest.param("unterminated-string.ttl", 5, 18, "end of file", id="turtle-unterminated-string"),
        pytest.param("unknown-prefix.ttl", 5, 5, "has not been declared", id="turtle-unknown-prefix"),
        pytest.param("not-well-formed.owl", 5, 3, "mismatched tag", id="rdfxml-not-well-formed"),
    ],
)
def test_syntax_error_names_file_line_and_column(name: str, line: int, column: int, detail: str) -> None:
    with pytest.raises(KnowledgeSyntaxError) as info:
        parse_file(DATA / name)
    err = info.value
    assert err.path.name == name
    assert (err.line, err.column) == (line, column)
    assert detail in err.detail.lower()
    assert str(err).startswith(f"{DATA / name}:{line}:{column}: syntax error")


def test_every_bundled_knowledge_file_parses(root: Path) -> None:
    files = knowledge_files(root)
    assert len(files) > 100
    for path in files:
        assert parse_file(path), f"{path} holds no triples"


def test_build_command_reports_syntax_error_and_fails(tmp_path: Path, root: Path) -> None:
    (tmp_path / "ontology").mkdir()
    shutil.copy(root / "ontology" / "mhkg.ttl", tmp_path / "ontology" / "mhkg.ttl")
    (tmp_path / "evidence").mkdir()
    shutil.copy(DATA / "unterminated-string.ttl", tmp_path / "evidence" / "new-entry.ttl")
    proc = run_cli("build", env={"MHKG_HOME": str(tmp_path), "MHKG_BUILD_DIR": str(tmp_path / "build")})
    assert proc.returncode == 2
    assert f"{tmp_path / 'evidence' / 'new-entry.ttl'}:5:18: syntax error" in proc.stderr
    assert not (tmp_path / "build").exists(), "nothing may be written when a file is malformed"
