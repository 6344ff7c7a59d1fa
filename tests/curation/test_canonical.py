"""Canonical Turtle (api.curation.canonical) on the real evidence files: same graph, stable text, the curators' layout."""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from api.curation.canonical import CONTROLLED_VALUES, PREDICATE_ORDER, TEMPLATE_PREFIXES, canonical_turtle, prefix_block
from api.knowledge.loader import parse_file
from api.vocab import ID, PREFIXES, VOCAB

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / "evidence"
FILES = sorted(p for kind in ("entries", "sources", "interventions", "gaps") for p in (EVIDENCE / kind).glob("*.ttl"))
MH = VOCAB


def rdflib_graph(triples: list[ox.Triple]) -> Graph:
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert nt is not None
    return Graph().parse(data=nt.decode(), format="nt")


def reparse(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(input=text.encode(), format=ox.RdfFormat.TURTLE)]


def relabel(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The same triples with fresh random blank-node labels (pyoxigraph keeps a document's labels when parsing)."""
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def term(t: Any) -> Any:
        return fresh.setdefault(t, ox.BlankNode()) if isinstance(t, ox.BlankNode) else t

    return [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]


def body(text: str) -> str:
    """The text without its @prefix lines (hand-written files carry different subsets of the template's block)."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("@prefix"))


def test_all_evidence_files_are_covered() -> None:
    assert len(FILES) > 200
    assert len([p for p in FILES if p.parent.name == "entries"]) >= 99


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_round_trip_and_idempotent(path: Path) -> None:
    triples = parse_file(path)
    text = canonical_turtle(triples)
    # A second, independent parser (rdflib's) reads the output as the same graph, blank nodes included.
    assert isomorphic(Graph().parse(data=text, format="turtle"), rdflib_graph(triples))
    again = reparse(text)
    assert len(again) == len(set(triples))
    assert canonical_turtle(again) == text  # new blank-node labels, same bytes
    assert text.endswith(" .\n") and not text.endswith("\n\n")


def test_order_independent() -> None:
    for name in ("interventions/age-friendly-community.ttl", "entries/housing-first--quality-of-life--aubry-2019.ttl", "sources/durlak-2011.ttl"):
        triples = parse_file(EVIDENCE / name)
        expected = canonical_turtle(triples)
        rng = random.Random(name)  # noqa: S311 (shuffling, not secrets)
        for _ in range(5):
            shuffled = list(triples)
            rng.shuffle(shuffled)
            assert canonical_turtle(shuffled + shuffled[:3]) == expected  # duplicates change nothing either
            assert canonical_turtle(relabel(shuffled)) == expected


def test_prefix_block_is_the_templates() -> None:
    template = (EVIDENCE / "TEMPLATE.md").read_text(encoding="utf-8")
    block = re.search(r"```turtle\n(@prefix.*?)```", template, re.S)
    assert block is not None
    assert prefix_block() == block.group(1)
    text = canonical_turtle(parse_file(EVIDENCE / "entries" / "housing-first--quality-of-life--aubry-2019.ttl"))
    assert text.startswith(block.group(1) + "\n")
    for name, ns in TEMPLATE_PREFIXES:  # the template and api.vocab agree where they overlap
        assert PREFIXES.get(name, ns) == ns


def test_controlled_value_order_is_the_templates() -> None:
    template = (EVIDENCE / "TEMPLATE.md").read_text(encoding="utf-8")
    short = {ns: name for name, ns in TEMPLATE_PREFIXES}
    ours = []
    for value in CONTROLLED_VALUES:
        ns, local = value.rsplit("/", 1)
        ours.append(f"{short[ns + '/']}:{local}")
    rows = [line for line in template.splitlines() if line.startswith("| `mh:") and "sdg:" not in line]
    theirs = [v for row in rows for v in re.findall(r"`([a-z]+:[a-z0-9-]+)`", row.split("|")[2])]
    # Same values; the table's rows come in another order than the module's groups, but each vocabulary's order is kept.
    assert sorted(ours) == sorted(theirs)
    for prefix in {v.split(":")[0] for v in theirs}:
        assert [v for v in ours if v.startswith(prefix + ":")] == [v for v in theirs if v.startswith(prefix + ":")]


def test_entry_layout() -> None:
    slug = "national-suicide-prevention-programme--suicide--lewitzka-2019"
    path = EVIDENCE / "entries" / f"{slug}.ttl"
    text = canonical_turtle(parse_file(path))
    # This hand-written entry comes out byte for byte the same apart from the prefix block.
    assert body(text) == body(path.read_text(encoding="utf-8"))

    slug = "housing-first--quality-of-life--aubry-2019"
    text = canonical_turtle(parse_file(EVIDENCE / "entries" / f"{slug}.ttl"))
    lines = body(text).splitlines()
    assert lines[0] == ""
    assert lines[1] == f"ev:{slug} a mh:EvidenceEntry ;"
    assert lines[2].startswith('    rdfs:label "Bostad först') and lines[2].endswith('"@en ;')  # @sv before @en, one line
    predicates = [m.group(1) for line in lines[2:] if (m := re.match(r"^    (\S+) ", line))]
    order = [
        "rdfs:label",
        *(
            p.replace(MH, "mh:").replace("http://purl.org/dc/terms/", "dcterms:").replace("http://www.w3.org/ns/prov#", "prov:")
            for p in PREDICATE_ORDER[MH + "EvidenceEntry"]
        ),
    ]
    assert predicates == [p for p in order if p in predicates]
    assert len(predicates) == 21
    assert lines[-1] == "    prov:wasDerivedFrom src:aubry-2019 ."
    # Long multi-language values are wrapped onto continuation lines indented 8 spaces.
    i = next(i for i, line in enumerate(lines) if line.startswith("    mh:statement "))
    assert lines[i].endswith('"@sv ,') and lines[i + 1].startswith('        "In a randomised trial') and lines[i + 1].endswith('"@en ;')


def test_one_value_change_is_one_line_diff() -> None:
    triples = parse_file(EVIDENCE / "entries" / "housing-first--quality-of-life--aubry-2019.ttl")
    before = canonical_turtle(triples)
    certainty = ox.NamedNode(MH + "certainty")
    changed = [ox.Triple(t.subject, t.predicate, ox.NamedNode(ID + "certainty/moderate")) if t.predicate == certainty else t for t in triples]
    after = canonical_turtle(changed)
    diff = [d for d in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0) if d[:1] in "+-" and d[:3] not in ("+++", "---")]
    assert diff == ["-    mh:certainty certainty:low ;", "+    mh:certainty certainty:moderate ;"]


def test_gap_and_intervention_layout() -> None:
    # A gap keeps its kind's order (dcterms:date, curator, status), an intervention its nested capacity statements.
    for name in ("gaps/waterborne-public-transport.ttl", "interventions/social-prescribing.ttl"):
        path = EVIDENCE / name
        assert body(canonical_turtle(parse_file(path))) == body(path.read_text(encoding="utf-8")), name
    text = canonical_turtle(parse_file(EVIDENCE / "interventions" / "age-friendly-community.ttl"))
    assert "    mh:implementableIn [\n        a mh:CapacityStatement ;\n" in text
    assert "\n    ] , [\n" in text and text.endswith("\n    ] .\n")
    assert "_:" not in text
    # Life stages, settings and areas in the template's order, not alphabetical.
    assert "    mh:setting setting:public-transport , setting:local-community , setting:digital ;\n" in text


def test_source_layout() -> None:
    text = canonical_turtle(parse_file(EVIDENCE / "sources" / "durlak-2011.ttl"))
    lines = body(text).splitlines()
    assert lines[1] == "src:durlak-2011 a mh:Source , fabio:JournalArticle ;"  # the kind's type first
    assert lines[2].startswith("    dcterms:title ")
    assert lines[-1].startswith("    rdfs:label ") and lines[-1].endswith("@en .")  # sources have their label last


def test_escaping_round_trips() -> None:
    s = ox.NamedNode(ID + "evidence/x")
    p = ox.NamedNode(MH + "statement")
    tricky = 'He said "no" \\ then\nleft\t(tab) – åäö, 日本, 🙂, \x01, \r end\'s'
    triples = [
        ox.Triple(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(MH + "EvidenceEntry")),
        ox.Triple(s, p, ox.Literal(tricky, language="sv")),
        ox.Triple(s, p, ox.Literal(tricky)),
        ox.Triple(s, p, ox.Literal('"""', language="en")),
        ox.Triple(s, ox.NamedNode(MH + "n"), ox.Literal("01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Triple(s, ox.NamedNode(MH + "n"), ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        ox.Triple(s, ox.NamedNode(MH + "n"), ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))),
        ox.Triple(s, ox.NamedNode(MH + "n"), ox.Literal("1e3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))),
        ox.Triple(s, ox.NamedNode(MH + "d"), ox.Literal("2026-12-02", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
        ox.Triple(s, ox.NamedNode(MH + "u"), ox.NamedNode(ID + "source/ends-with-dot.")),
        ox.Triple(s, ox.NamedNode(MH + "u"), ox.NamedNode("http://www.w3.org/2002/07/owl#Thing")),
    ]
    text = canonical_turtle(triples)
    again = reparse(text)
    assert set(again) == set(triples)  # exact terms: lexical forms, datatypes and language tags kept
    assert isomorphic(Graph().parse(data=text, format="turtle"), rdflib_graph(triples))
    assert "åäö, 日本, 🙂" in text and "\\n" in text and '\\"no\\"' in text and "\\u0001" in text
    assert '"2026-12-02"^^xsd:date' in text and '    mh:n "1e3"^^xsd:double , 01 , 1.50 , true ;\n' in text
    assert f"<{ID}source/ends-with-dot.>" in text and "owl:Thing" in text
    # A namespace beyond the template's block is declared after it, from api.vocab.PREFIXES.
    assert text.startswith(prefix_block() + f"@prefix owl:       <{PREFIXES['owl']}> .\n\n")
    assert "@prefix org:" not in text
    # @sv first, then @en, then the rest.
    statement = text[text.index("    mh:statement ") :]
    assert statement.index('"@sv ,') < statement.index('"\\"\\"\\""@en ,') < statement.index(" end's\" ;")


def test_blank_nodes_shared_and_in_cycles() -> None:
    s = ox.NamedNode(ID + "intervention/x")
    p, q = ox.NamedNode(MH + "p"), ox.NamedNode(MH + "q")
    shared, a, b, lone = ox.BlankNode(), ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(MH + "Intervention")),
        ox.Triple(s, p, shared),
        ox.Triple(s, q, shared),  # used twice: written with a label
        ox.Triple(shared, q, ox.Literal("shared")),
        ox.Triple(a, p, b),  # a cycle of blank nodes no named subject reaches
        ox.Triple(b, p, a),
        ox.Triple(s, p, lone),  # used once, no properties: []
    ]
    text = canonical_turtle(triples)
    assert isomorphic(Graph().parse(data=text, format="turtle"), rdflib_graph(triples))
    assert "[]" in text and "_:b0" in text
    assert text.split("\n\n")[1].startswith("iv:x a mh:Intervention ;")
    assert canonical_turtle(reparse(text)) == text
    rng = random.Random(1)  # noqa: S311 (shuffling, not secrets)
    for _ in range(5):
        shuffled = list(triples)
        rng.shuffle(shuffled)
        assert canonical_turtle(shuffled) == text


def test_blank_node_labels_follow_the_data_not_the_input() -> None:
    s = ox.NamedNode(ID + "intervention/x")
    p, q = ox.NamedNode(MH + "p"), ox.NamedNode(MH + "q")
    nodes = [ox.BlankNode() for _ in range(6)]
    triples = [t for i, b in enumerate(nodes) for t in (ox.Triple(s, p, b), ox.Triple(s, q, b), ox.Triple(b, p, ox.Literal(f"n{i}")))]
    triples += [ox.Triple(b, q, b) for b in nodes[:2]]  # self-loops
    texts = {canonical_turtle(triples)}
    for _ in range(10):  # fresh labels each time, in another order
        texts.add(canonical_turtle(relabel(list(reversed(triples)))))
        texts.add(canonical_turtle(relabel(reparse(canonical_turtle(triples)))))
    assert len(texts) == 1
    text = texts.pop()
    assert re.findall(r"^_:b[0-9]+ ", text, re.M) == [f"_:b{i} " for i in range(6)]  # each shared node its own block, in order
    assert isomorphic(Graph().parse(data=text, format="turtle"), rdflib_graph(triples))


def test_header() -> None:
    triples = parse_file(EVIDENCE / "gaps" / "knowledge-support.ttl")
    text = canonical_turtle(triples, header="# Revised through the API.\n# Second line")
    assert text.startswith("# Revised through the API.\n# Second line\n@prefix mh:        <")
    with pytest.raises(ValueError, match="start with '#'"):
        canonical_turtle(triples, header="not a comment")


def test_other_subjects_follow_the_main_resource() -> None:
    """An entry with PROV records (as revisions will write): the entry first, the records by IRI, each predicate once."""
    entry = EVIDENCE / "entries" / "housing-first--quality-of-life--aubry-2019.ttl"
    triples = parse_file(entry)
    subject = ox.NamedNode(ID + "evidence/housing-first--quality-of-life--aubry-2019")
    prov, xsd = "http://www.w3.org/ns/prov#", "http://www.w3.org/2001/XMLSchema#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for n in (2, 10, 1):
        activity = ox.NamedNode(f"{subject.value}/activity/{n}")
        triples += [
            ox.Triple(activity, rdf_type, ox.NamedNode(prov + "Activity")),
            ox.Triple(activity, ox.NamedNode(prov + "startedAtTime"), ox.Literal(f"2026-12-0{n % 9}T10:00:00Z", datatype=ox.NamedNode(xsd + "dateTime"))),
            ox.Triple(activity, ox.NamedNode(MH + "curationStatus"), ox.NamedNode(ID + "curation-status/reviewed")),
            ox.Triple(activity, ox.NamedNode(MH + "curator"), ox.NamedNode(ID + "agent/mhkg-curation-team")),
            ox.Triple(activity, ox.NamedNode(prov + "used"), subject),
            ox.Triple(activity, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("a note")),
        ]
    text = canonical_turtle(list(reversed(triples)))
    blocks = body(text).strip("\n").split("\n\n")
    assert [b.split(" ", 1)[0] for b in blocks] == [
        "ev:housing-first--quality-of-life--aubry-2019",
        f"<{ID}evidence/housing-first--quality-of-life--aubry-2019/activity/1>",  # "/" is not a plain local name
        f"<{ID}evidence/housing-first--quality-of-life--aubry-2019/activity/10>",  # "/" is not a plain local name
        f"<{ID}evidence/housing-first--quality-of-life--aubry-2019/activity/2>",  # "/" is not a plain local name
    ]
    assert body(canonical_turtle(parse_file(entry))).strip("\n") == blocks[0]  # the entry's block is unchanged
    record = blocks[1].splitlines()
    assert record[0] == f"<{ID}evidence/housing-first--quality-of-life--aubry-2019/activity/1> a prov:Activity ;"
    predicates = [line.split()[0] for line in record[1:]]
    assert predicates == ["mh:curationStatus", "prov:startedAtTime", "prov:used", "mh:curator", "rdfs:comment"]  # known ones first, then by IRI
    assert isomorphic(Graph().parse(data=text, format="turtle"), rdflib_graph(triples))
