"""Canonical Turtle for evidence files: the layout curators write by hand (see ``evidence/TEMPLATE.md``).

:func:`canonical_turtle` writes a set of triples the way the files under ``evidence/`` are written, so that a file
the service rewrites (a submission, a revision, a review) reads like its neighbours and a change to one value is a
one-line diff:

- the optional header (``#`` comment lines), then the template's prefix block, aligned and in the template's order,
  followed by any further prefix of :data:`api.vocab.PREFIXES` the triples need;
- the main resource first (the one typed as an entry, source, intervention or gap), then the other subjects by IRI,
  then the other blank-node subjects (labelled ``_:b0``, ``_:b1``, … independently of the input's labels);
- within a subject ``a`` first, then the predicates in the order the hand-written files of that kind use, then any
  other predicate by IRI;
- the objects of one predicate ``@sv`` before ``@en`` before the rest, joined with `` , `` and wrapped onto lines
  indented four more spaces when the line would get long; a blank node used once as an object is written nested
  (``[ … ]``), as ``mh:implementableIn`` is in the intervention files.

The output is deterministic: the same triples, in any order and with any blank-node labels, give the same text.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from api.vocab import PREFIXES, VOCAB

_ID = "https://w3id.org/mhkg/id/"

# The prefix block of evidence/TEMPLATE.md, in its order (a test keeps the two the same).
TEMPLATE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("mh", VOCAB),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("fabio", "http://purl.org/spar/fabio/"),
    ("prism", "http://prismstandard.org/namespaces/basic/2.0/"),
    ("sdg", "http://metadata.un.org/sdg/"),
    ("ev", _ID + "evidence/"),
    ("iv", _ID + "intervention/"),
    ("src", _ID + "source/"),
    ("setting", _ID + "setting/"),
    ("stage", _ID + "life-stage/"),
    ("direction", _ID + "direction/"),
    ("level", _ID + "level/"),
    ("area", _ID + "societal-area/"),
    ("certainty", _ID + "certainty/"),
    ("basis", _ID + "certainty-basis/"),
    ("design", _ID + "study-design/"),
    ("prevention", _ID + "prevention-level/"),
    ("status", _ID + "curation-status/"),
    ("effect", _ID + "effect/"),
    ("outcome", _ID + "outcome/"),
    ("curator", _ID + "agent/"),
    ("role", _ID + "role/"),
    ("capbasis", _ID + "capacity-basis/"),
    ("gap", _ID + "gap/"),
)

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = _RDF + "type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_PRISM = "http://prismstandard.org/namespaces/basic/2.0/"


def _mh(*names: str) -> list[str]:
    return [VOCAB + n for n in names]


# The kinds of file, in the order a main resource is looked for.
MAIN_TYPES: tuple[str, ...] = tuple(_mh("EvidenceEntry", "Source", "Intervention", "EvidenceGap"))

# Predicate order per kind of resource, as the hand-written files under evidence/ have it. rdfs:label comes right
# after ``a`` unless the list places it (source files have it last).
PREDICATE_ORDER: dict[str, list[str]] = {
    VOCAB + "EvidenceEntry": [
        *_mh("intervention", "outcome", "outcomeMeasure", "effect", "setting", "lifeStage", "preventionLevel", "direction"),
        *_mh("certainty", "certaintyBasis", "certaintyRationale", "studyDesign", "citesSource", "statement", "population"),
        *_mh("curationStatus", "curator"),
        _DCT + "created",
        _DCT + "modified",
        _PROV + "wasDerivedFrom",
    ],
    VOCAB + "Source": [
        _DCT + "title",
        VOCAB + "authors",
        _DCT + "issued",
        _DCT + "publisher",
        *(_PRISM + n for n in ("publicationName", "volume", "issueIdentifier", "startingPage", "pageRange", "isbn", "doi")),
        _DCT + "identifier",
        *_mh("url", "curationStatus", "verificationNote"),
        _RDFS_LABEL,
    ],
    VOCAB + "Intervention": [
        _SKOS + "definition",
        *_mh("setting", "lifeStage", "levelOfAction", "direction", "preventionLevel", "servesArea", "servesSdgTarget", "implementableIn"),
    ],
    VOCAB + "EvidenceGap": [
        *_mh("capacity", "setting", "searchDescription", "gapReason"),
        _DCT + "date",
        *_mh("curator", "curationStatus"),
    ],
    VOCAB + "CapacityStatement": [*_mh("capacity", "capacityBasis", "basisNote"), _PROV + "wasDerivedFrom"],
}

# For any other subject (PROV activity and version records, untyped nodes), and after a kind's own list.
GENERIC_ORDER: list[str] = list(
    dict.fromkeys(
        [
            _SKOS + "definition",
            *PREDICATE_ORDER[VOCAB + "EvidenceEntry"][:-4],
            *_mh("levelOfAction", "servesArea", "servesSdgTarget", "implementableIn", "capacity", "capacityBasis", "basisNote"),
            *_mh("searchDescription", "gapReason"),
            *PREDICATE_ORDER[VOCAB + "Source"][:-1],
            *(_PROV + n for n in ("wasGeneratedBy", "wasAssociatedWith", "startedAtTime", "endedAtTime", "atTime", "used", "generated")),
            *(_PROV + n for n in ("wasRevisionOf", "specializationOf", "wasAttributedTo", "qualifiedAssociation", "agent", "hadRole")),
            VOCAB + "curator",
            _DCT + "date",
            _DCT + "created",
            _DCT + "modified",
            _PROV + "wasDerivedFrom",
        ]
    )
)

# Controlled values in the order of the template's table (a test keeps the two the same): several values of one
# predicate are written in this order (children before young people before adults), any other IRI after them.
CONTROLLED_VALUES: tuple[str, ...] = tuple(
    _ID + kind + "/" + value
    for kind, values in (
        ("setting", "home housing education preschool compulsory-school upper-secondary-school study higher-education adult-education work"),
        ("setting", "public-transport rail-transport waterborne-transport special-transport-service local-community green-space health-care digital"),
        ("role", "school-organiser employer public-transport property-owner health-care social-services spatial-planner culture-provider"),
        ("role", "civil-society digital-service-provider policy-maker knowledge-support"),
        ("capacity-basis", "source-description curator-judgement"),
        ("life-stage", "children young-people adults older-people"),
        ("direction", "promotion prevention"),
        ("level", "individual everyday-settings local-community governance"),
        ("prevention-level", "universal selective indicated environmental"),
        ("certainty", "high moderate low very-low"),
        ("certainty-basis", "reported-by-source curator-judgement"),
        ("study-design", "umbrella-review meta-analysis systematic-review randomised-controlled-trial cluster-randomised-trial"),
        ("study-design", "non-randomised-study observational-study guideline"),
        ("effect", "beneficial no-clear-effect harmful mixed"),
        ("outcome", "mental-wellbeing depressive-symptoms anxiety-symptoms psychological-distress suicide suicide-attempt suicidal-ideation"),
        ("outcome", "self-harm loneliness social-isolation school-results bullying conduct-problems sick-leave employment housing-stability"),
        ("outcome", "substance-use quality-of-life mental-health-literacy"),
        ("societal-area", "public-health healthcare-quality productivity social-sustainability pro-environmental-behaviour quality-of-life"),
        ("curation-status", "draft reviewed published retracted"),
    )
    for value in values.split()
)
_VALUE_RANK = {value: i for i, value in enumerate(CONTROLLED_VALUES)}

INDENT = 4
# A predicate's objects stay on one line up to this width; labels always stay on one line, as in the hand-written files.
LINE_WIDTH = 100
ONE_LINE_PREDICATES = frozenset({_RDFS_LABEL})

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
# PN_LOCAL without escapes (a local part that would need them is written as a full IRI).
_PN_LOCAL = re.compile(f"(?:[{_PN_CHARS_BASE}_:0-9](?:[{_PN_CHARS}.:]*[{_PN_CHARS}:])?)?")
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_BARE = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "boolean": re.compile(r"true|false"),
}

Subject = ox.NamedNode | ox.BlankNode
Object = ox.NamedNode | ox.BlankNode | ox.Literal


def prefix_block(prefixes: Iterable[tuple[str, str]] = TEMPLATE_PREFIXES) -> str:
    """``@prefix`` lines aligned as in the template (the IRI in column 20, or one space after a longer name)."""
    return "".join(f"@prefix {(name + ':').ljust(10)} <{ns}> .\n" for name, ns in prefixes)


def _string(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ECHAR:
            out.append(_ECHAR[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _iri_ref(value: str) -> str:
    escaped = "".join(f"\\u{ord(ch):04X}" if ch in '<>"{}|^`\\' or ord(ch) <= 0x20 else ch for ch in value)
    return f"<{escaped}>"


class _Writer:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.props: dict[Subject, dict[str, list[Object]]] = defaultdict(lambda: defaultdict(list))
        self.as_object: dict[ox.BlankNode, int] = defaultdict(int)
        self.incoming: dict[ox.BlankNode, list[tuple[Subject, str]]] = defaultdict(list)
        for t in set(triples):
            s, p, o = t.subject, t.predicate, t.object
            if not isinstance(s, ox.NamedNode | ox.BlankNode) or not isinstance(o, ox.NamedNode | ox.BlankNode | ox.Literal):
                raise ValueError(f"canonical Turtle has no quoted triples: {t}")
            self.props[s][p.value].append(o)
            if isinstance(o, ox.BlankNode):
                self.as_object[o] += 1
                self.incoming[o].append((s, p.value))
        self.namespaces = list(TEMPLATE_PREFIXES)
        taken = {name for name, _ in self.namespaces} | {ns for _, ns in self.namespaces}
        self.extra = [(name, ns) for name, ns in PREFIXES.items() if name not in taken and ns not in taken]
        self.candidates = sorted([*self.namespaces, *self.extra], key=lambda kv: (-len(kv[1]), kv[0]))
        self.used_extra: set[str] = set()
        self.colour = self._colours()
        self.nested: set[ox.BlankNode] = set()
        self.labels: dict[ox.BlankNode, str] = {}
        self._plan()

    # Blank nodes -------------------------------------------------------------------------------------------------

    def _colours(self) -> dict[ox.BlankNode, str]:
        """A label-independent key for each blank node: its edges, refined by its neighbours' keys (Weisfeiler-Lehman)."""
        nodes = {s for s in self.props if isinstance(s, ox.BlankNode)} | set(self.as_object)
        colour = dict.fromkeys(nodes, "")

        def name(term: Object | Subject, colours: dict[ox.BlankNode, str]) -> str:
            return "_:" + colours[term] if isinstance(term, ox.BlankNode) else str(term)

        for _ in range(max(1, min(len(nodes), 8))):
            refined = {}
            for node in nodes:
                out = sorted(f"{p} {name(o, colour)}" for p, objs in self.props.get(node, {}).items() for o in objs)
                into = sorted(f"{name(s, colour)} {p}" for s, p in self.incoming.get(node, []))
                refined[node] = hashlib.sha256("\n".join([colour[node], *out, "<-", *into]).encode()).hexdigest()
            if len(set(refined.values())) == len(set(colour.values())):
                colour = refined
                break
            colour = refined
        return colour

    def _bnode_key(self, node: ox.BlankNode) -> tuple[str, str]:
        return self.colour[node], node.value  # the label only breaks ties between nodes no edge tells apart

    def _plan(self) -> None:
        """Which blank nodes are nested (used once as an object, reachable from a written subject) and the others' labels."""
        candidates = {b for b, n in self.as_object.items() if n == 1}
        while True:
            roots = [s for s in self.props if not (isinstance(s, ox.BlankNode) and s in candidates)]
            reached: set[ox.BlankNode] = set()
            stack: list[Subject] = list(roots)
            while stack:
                for objs in self.props.get(stack.pop(), {}).values():
                    for o in objs:
                        if isinstance(o, ox.BlankNode) and o in candidates and o not in reached:
                            reached.add(o)
                            stack.append(o)
            cut_off = candidates - reached  # a cycle of blank nodes: one of them is written with a label
            if not cut_off:
                break
            candidates.discard(min(cut_off, key=self._bnode_key))
        self.nested = candidates
        labelled = sorted((b for b in {*self.props, *self.as_object} if isinstance(b, ox.BlankNode) and b not in candidates), key=self._bnode_key)
        self.labels = {b: f"_:b{i}" for i, b in enumerate(labelled)}

    # Terms -------------------------------------------------------------------------------------------------------

    def iri(self, value: str) -> str:
        for name, ns in self.candidates:
            if value.startswith(ns) and _PN_LOCAL.fullmatch(value[len(ns) :]):
                if (name, ns) in self.extra:
                    self.used_extra.add(name)
                return f"{name}:{value[len(ns) :]}"
        return _iri_ref(value)

    def literal(self, lit: ox.Literal) -> str:
        if lit.language:
            return f"{_string(lit.value)}@{lit.language}"
        datatype = lit.datatype.value
        if datatype == _XSD + "string":
            return _string(lit.value)
        bare = _BARE.get(datatype)
        if bare is not None and bare.fullmatch(lit.value):
            return lit.value
        return f"{_string(lit.value)}^^{self.iri(datatype)}"

    def term(self, term: Object, depth: int) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if term in self.nested:
            return self.nested_block(term, depth)
        return self.labels[term]

    def nested_block(self, node: ox.BlankNode, depth: int) -> str:
        lines = self.predicate_lines(node, depth + 1)
        if not lines:
            return "[]"
        pad = " " * (INDENT * depth)
        return "[\n" + " ;\n".join(lines) + f"\n{pad}]"

    # Subjects and predicates -------------------------------------------------------------------------------------

    def types(self, subject: Subject) -> list[str]:
        return [o.value for o in self.props.get(subject, {}).get(_RDF_TYPE, []) if isinstance(o, ox.NamedNode)]

    def predicate_order(self, subject: Subject) -> list[str]:
        types = self.types(subject)
        own = next((PREDICATE_ORDER[t] for t in (*MAIN_TYPES, *sorted(types)) if t in types and t in PREDICATE_ORDER), [])
        order = [_RDF_TYPE] + ([] if _RDFS_LABEL in own else [_RDFS_LABEL]) + own
        seen = set(order)
        order += [p for p in GENERIC_ORDER if p not in seen]
        seen = set(order)
        return order + sorted(p for p in self.props.get(subject, {}) if p not in seen)

    def object_key(self, predicate: str, term: Object, text: str, main_types: list[str]) -> tuple[int, str, str]:
        if predicate == _RDF_TYPE and isinstance(term, ox.NamedNode) and term.value in main_types:
            return (-1, f"{main_types.index(term.value):04d}", text)
        if isinstance(term, ox.Literal) and term.language:
            lang = term.language.lower()
            return ({"sv": 0, "en": 1}.get(lang, 2), lang, text)
        if isinstance(term, ox.NamedNode) and term.value in _VALUE_RANK:
            return (3, f"{_VALUE_RANK[term.value]:04d}", text)
        return (4, re.sub(r"[0-9]+", lambda m: m.group().zfill(12), text), text)  # sdg:3.4 before sdg:10.2

    def predicate_lines(self, subject: Subject, depth: int) -> list[str]:
        """One entry per predicate (possibly several physical lines), indented for ``depth``, without the `` ;``."""
        pad = " " * (INDENT * depth)
        main_types = [t for t in MAIN_TYPES if t in self.types(subject)]
        lines = []
        for predicate in self.predicate_order(subject):
            objects = self.props.get(subject, {}).get(predicate)
            if not objects:
                continue
            verb = "a" if predicate == _RDF_TYPE else self.iri(predicate)
            texts = [self.term(o, depth) for o in objects]
            ordered = [t for _, t in sorted(((self.object_key(predicate, o, t, main_types), t) for o, t in zip(objects, texts, strict=True)))]
            one_line = f"{pad}{verb} " + " , ".join(ordered)
            if any("\n" in t for t in ordered) or len(ordered) == 1 or predicate in ONE_LINE_PREDICATES or len(one_line) + 2 <= LINE_WIDTH:
                lines.append(one_line)
            else:
                lines.append(f"{pad}{verb} " + f" ,\n{pad}{' ' * INDENT}".join(ordered))
        return lines

    def subjects(self) -> list[Subject]:
        written = [s for s in self.props if not (isinstance(s, ox.BlankNode) and s in self.nested)]
        named = sorted((s for s in written if isinstance(s, ox.NamedNode)), key=lambda s: s.value)
        blank = sorted((s for s in written if isinstance(s, ox.BlankNode)), key=lambda s: int(self.labels[s][3:]))
        ordered: list[Subject] = [*named, *blank]
        for kind in MAIN_TYPES:
            main = next((s for s in ordered if kind in self.types(s)), None)
            if main is not None:
                ordered.remove(main)
                return [main, *ordered]
        return ordered

    def blocks(self) -> list[str]:
        out = []
        for subject in self.subjects():
            name = self.iri(subject.value) if isinstance(subject, ox.NamedNode) else self.labels[subject]
            lines = self.predicate_lines(subject, 1)
            first, rest = lines[0].lstrip(" "), lines[1:]
            out.append(f"{name} " + " ;\n".join([first, *rest]) + " .\n")
        return out


def canonical_turtle(triples: Iterable[ox.Triple], *, header: str = "") -> str:
    """The triples as Turtle in the hand-written evidence files' layout (see the module's description).

    Args:
        triples: the graph; duplicates are ignored and order does not matter.
        header: comment lines (each starting with ``#``) written before the prefix block.

    Raises:
        ValueError: a header line is not a comment, or a triple is an RDF-star quoted triple.
    """
    head = ""
    if header:
        comments = header.rstrip("\n").split("\n")
        if not all(line.startswith("#") for line in comments):
            raise ValueError("every header line must start with '#'")
        head = "\n".join(comments) + "\n"
    writer = _Writer(triples)
    blocks = writer.blocks()  # renders every term, so the further prefixes needed are known afterwards
    extra = [(name, ns) for name, ns in writer.extra if name in writer.used_extra]
    body = "\n".join(blocks)
    return head + prefix_block([*TEMPLATE_PREFIXES, *extra]) + ("\n" + body if body else "")
