"""The package's rooms: every import of api/, read from the source, forms no cycle, neither between modules nor between rooms."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

API = Path(__file__).resolve().parent.parent / "api"

# Rooms and the rooms each may import, lowest first. A room not listed here fails the test: say where it belongs.
LAYERS: dict[str, set[str]] = {
    "api": set(),  # the package's own __init__ (its version)
    "api.settings": set(),
    "api.i18n": set(),
    "api.vocab": set(),
    "api.files": set(),  # the one atomic writer (the build's releases, submitted entries)
    "api.errors": {"api.i18n"},
    "api.catalogue": {"api.errors", "api.settings", "api.vocab"},  # the queries' files and their binder: below every room that runs queries
    "api.store": {"api.errors", "api.vocab", "api.settings", "api.catalogue"},
    "api.sparql": {"api", "api.errors", "api.i18n", "api.settings", "api.vocab", "api.catalogue", "api.store"},
    "api.knowledge": {"api", "api.errors", "api.files", "api.settings", "api.vocab", "api.store", "api.catalogue"},
    "api.validation": {"api.errors", "api.i18n", "api.settings", "api.vocab", "api.store", "api.catalogue", "api.knowledge"},
    "api.analysis": {"api.errors", "api.files", "api.i18n", "api.settings", "api.vocab", "api.store", "api.catalogue", "api.sparql"},
    "api.curation": {"api.errors", "api.files", "api.i18n", "api.settings", "api.vocab", "api.store", "api.catalogue", "api.knowledge", "api.validation"},
    "api.web": {
        "api",
        "api.errors",
        "api.i18n",
        "api.settings",
        "api.vocab",
        "api.store",
        "api.sparql",
        "api.catalogue",
        "api.knowledge",
        "api.validation",
        "api.analysis",
        "api.curation",
    },
    "api.cli": {
        "api",
        "api.errors",
        "api.settings",
        "api.vocab",
        "api.store",
        "api.sparql",
        "api.catalogue",
        "api.knowledge",
        "api.validation",
        "api.analysis",
        "api.curation",  # mhkg curators token (the people's file)
        "api.web",
    },
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(API.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """The api modules a file imports, anywhere in it (late imports inside functions count too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    modules = {module_name(p) for p in API.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def module_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in API.rglob("*.py"):
        source = module_name(path)
        graph.add_node(source)
        for target in imports(path):
            graph.add_edge(source, target)
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_the_module_import_graph_has_no_cycle() -> None:
    graph = module_graph()
    assert len(graph) > 30, "the package's modules were not found"
    cycles = list(nx.simple_cycles(graph))
    # a package importing its own submodules (re-exports) is not a cycle unless a submodule imports the package back
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_the_rooms_are_layered() -> None:
    """Each room imports only the rooms below it, so a room can be read, tested and replaced on its own."""
    graph = module_graph()
    unknown = sorted({room(m) for m in graph if room(m) not in LAYERS})
    assert not unknown, f"rooms with no place in LAYERS: {unknown}"
    wrong = sorted(
        f"{source} imports {target}" for source, target in graph.edges if room(source) != room(target) and room(target) not in LAYERS[room(source)]
    )
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_routers_do_not_import_routers() -> None:
    graph = module_graph()
    crossing = sorted(f"{s} -> {t}" for s, t in graph.edges if s.startswith("api.web.routers.") and t.startswith("api.web.routers."))
    assert not crossing, crossing


def names_used(path: Path) -> set[str]:
    """Dotted names a module uses: ``os.environ``, ``os.getenv``, and bare ``environ``/``getenv`` imported from os."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found.update(f"os.{a.name}" for a in node.names)
    return found


ENVIRONMENT = {"os.environ", "os.getenv", "os.putenv", "os.environb"}


def test_only_the_settings_read_the_environment() -> None:
    readers = sorted(module_name(p) for p in API.rglob("*.py") if names_used(p) & ENVIRONMENT)
    assert set(readers) <= {"api.settings"}, f"modules reading the environment besides api/settings.py: {readers}"


def test_a_reader_of_the_environment_would_be_seen(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import os\nTIMEOUT = os.environ.get('MHKG_QUERY_TIMEOUT')\nfrom os import getenv\n", encoding="utf-8")
    assert names_used(sneaky) & ENVIRONMENT == {"os.environ", "os.getenv"}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        pytest.param("api.store.embedded", "api.knowledge.build", id="store-imports-build"),
    ],
)
def test_a_cycle_or_a_crossing_would_be_seen(source: str, target: str) -> None:
    """The checks can fail: an edge of the kind they forbid is reported."""
    graph = module_graph()
    graph.add_edge(source, target)
    graph.add_edge(target, source)
    assert list(nx.simple_cycles(graph))
    assert room(target) not in LAYERS[room(source)]
