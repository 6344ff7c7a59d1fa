"""Deterministic synthetic evidence on the real ontology and vocabularies (for benchmarks).

``synthetic_triples(n)`` makes n valid evidence entries, n/5 interventions and n/2 sources (or as given),
every value drawn from the real concept schemes, every (intervention, source, outcome)
combination unique, so the repository stays valid as it grows.
"""

from __future__ import annotations

import pyoxigraph as ox

ID = "https://w3id.org/mhkg/id/"
MH = "https://w3id.org/mhkg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_DEF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

SETTINGS = [
    "home",
    "housing",
    "preschool",
    "compulsory-school",
    "upper-secondary-school",
    "higher-education",
    "adult-education",
    "work",
    "public-transport",
    "local-community",
    "green-space",
    "digital",
]
STAGES = ["children", "young-people", "adults", "older-people"]
CAPACITY_OF_SETTING = {  # the capacity a synthetic intervention in this setting is given (others: spatial-planner)
    "home": "social-services",
    "housing": "social-services",
    "preschool": "school-organiser",
    "compulsory-school": "school-organiser",
    "upper-secondary-school": "school-organiser",
    "higher-education": "school-organiser",
    "adult-education": "school-organiser",
    "work": "employer",
    "public-transport": "public-transport",
    "digital": "health-care",
}
OUTCOMES = [
    "mental-wellbeing",
    "depressive-symptoms",
    "anxiety-symptoms",
    "psychological-distress",
    "suicide",
    "self-harm",
    "loneliness",
    "social-isolation",
    "school-results",
    "bullying",
    "conduct-problems",
    "sick-leave",
    "employment",
    "housing-stability",
    "substance-use",
    "quality-of-life",
    "mental-health-literacy",
]
CERTAINTY = ["high", "moderate", "low", "very-low"]
DESIGNS = ["meta-analysis", "systematic-review", "randomised-controlled-trial", "umbrella-review"]
EFFECTS = ["beneficial", "no-clear-effect", "mixed", "beneficial"]
AREAS = ["public-health", "healthcare-quality", "productivity", "social-sustainability", "quality-of-life"]
TARGETS = ["3.4", "3.5", "4.1", "8.5", "8.8", "10.2", "11.1", "11.7", "16.2"]


def n(kind: str, slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{kind}/{slug}")


def p(local: str) -> ox.NamedNode:
    return ox.NamedNode(MH + local)


def lit(text: str, lang: str) -> ox.Literal:
    return ox.Literal(text, language=lang)


def synthetic_triples(entries: int, *, seed_prefix: str = "synth", interventions: int | None = None, sources: int | None = None) -> list[ox.Triple]:
    """Triples for ``entries`` synthetic evidence entries with their interventions and sources
    (by default one intervention per five entries and one source per two)."""
    n_iv = interventions or max(1, entries // 5)
    n_src = sources or max(1, entries // 2)
    out: list[ox.Triple] = []
    t = out.append
    for i in range(n_iv):
        iv = n("intervention", f"{seed_prefix}-{i}")
        t(ox.Triple(iv, RDF_TYPE, p("Intervention")))
        t(ox.Triple(iv, RDFS_LABEL, lit(f"Syntetisk insats {i}", "sv")))
        t(ox.Triple(iv, RDFS_LABEL, lit(f"Synthetic intervention {i}", "en")))
        t(ox.Triple(iv, SKOS_DEF, lit("En påhittad insats för mätningar.", "sv")))
        t(ox.Triple(iv, SKOS_DEF, lit("A made-up intervention for measurements.", "en")))
        t(ox.Triple(iv, p("setting"), n("setting", SETTINGS[i % len(SETTINGS)])))
        t(ox.Triple(iv, p("lifeStage"), n("life-stage", STAGES[i % len(STAGES)])))
        t(ox.Triple(iv, p("levelOfAction"), n("level", "everyday-settings")))
        t(ox.Triple(iv, p("direction"), n("direction", "promotion" if i % 2 else "prevention")))
        t(ox.Triple(iv, p("preventionLevel"), n("prevention-level", "universal")))
        t(ox.Triple(iv, p("servesArea"), n("societal-area", AREAS[i % len(AREAS)])))
        t(ox.Triple(iv, p("servesSdgTarget"), ox.NamedNode(f"http://metadata.un.org/sdg/{TARGETS[i % len(TARGETS)]}")))
        statement = ox.BlankNode()  # who can apply it: the capacity that holds its setting
        t(ox.Triple(iv, p("implementableIn"), statement))
        t(ox.Triple(statement, RDF_TYPE, p("CapacityStatement")))
        t(ox.Triple(statement, p("capacity"), n("role", CAPACITY_OF_SETTING.get(SETTINGS[i % len(SETTINGS)], "spatial-planner"))))
        t(ox.Triple(statement, p("capacityBasis"), n("capacity-basis", "curator-judgement")))
        t(ox.Triple(statement, p("basisNote"), lit("Projektets bedömning: syntetisk.", "sv")))
        t(ox.Triple(statement, p("basisNote"), lit("The project's judgement: synthetic.", "en")))
    for j in range(n_src):
        src = n("source", f"{seed_prefix}-{j}")
        t(ox.Triple(src, RDF_TYPE, p("Source")))
        t(ox.Triple(src, RDF_TYPE, ox.NamedNode("http://purl.org/spar/fabio/JournalArticle")))
        t(ox.Triple(src, ox.NamedNode(DCT + "title"), lit(f"Synthetic review {j}", "en")))
        t(ox.Triple(src, p("authors"), ox.Literal(f"Author{j} A, Writer B")))
        t(ox.Triple(src, ox.NamedNode(DCT + "issued"), ox.Literal(str(2000 + j % 25), datatype=ox.NamedNode(XSD + "gYear"))))
        t(ox.Triple(src, ox.NamedNode("http://prismstandard.org/namespaces/basic/2.0/publicationName"), ox.Literal("Journal of Synthetic Data")))
        t(ox.Triple(src, ox.NamedNode("http://prismstandard.org/namespaces/basic/2.0/doi"), ox.Literal(f"10.5555/synth.{j}")))
        t(ox.Triple(src, p("curationStatus"), n("curation-status", "reviewed")))
        t(ox.Triple(src, p("verificationNote"), lit("Synthetic record for benchmarks.", "en")))
        t(ox.Triple(src, RDFS_LABEL, lit(f"Synth {j}", "sv")))
        t(ox.Triple(src, RDFS_LABEL, lit(f"Synth {j}", "en")))
    date = ox.Literal("2026-11-01", datatype=ox.NamedNode(XSD + "date"))
    for k in range(entries):
        iv_i, src_j, out_o = k % n_iv, k % n_src, (k // n_src) % len(OUTCOMES)
        e = n("evidence", f"{seed_prefix}-{k}")
        src = n("source", f"{seed_prefix}-{src_j}")
        t(ox.Triple(e, RDF_TYPE, p("EvidenceEntry")))
        t(ox.Triple(e, RDFS_LABEL, lit(f"Syntetisk post {k}", "sv")))
        t(ox.Triple(e, RDFS_LABEL, lit(f"Synthetic entry {k}", "en")))
        t(ox.Triple(e, p("intervention"), n("intervention", f"{seed_prefix}-{iv_i}")))
        t(ox.Triple(e, p("outcome"), n("outcome", OUTCOMES[out_o])))
        t(ox.Triple(e, p("outcomeMeasure"), lit("Ett syntetiskt mått (antal dödsfall).", "sv")))
        t(ox.Triple(e, p("outcomeMeasure"), lit("A synthetic measure (number of deaths).", "en")))
        t(ox.Triple(e, p("effect"), n("effect", EFFECTS[k % len(EFFECTS)])))
        t(ox.Triple(e, p("setting"), n("setting", SETTINGS[iv_i % len(SETTINGS)])))
        t(ox.Triple(e, p("lifeStage"), n("life-stage", STAGES[iv_i % len(STAGES)])))
        t(ox.Triple(e, p("preventionLevel"), n("prevention-level", "universal")))
        t(ox.Triple(e, p("direction"), n("direction", "promotion" if iv_i % 2 else "prevention")))
        t(ox.Triple(e, p("certainty"), n("certainty", CERTAINTY[k % len(CERTAINTY)])))
        t(ox.Triple(e, p("certaintyBasis"), n("certainty-basis", "reported-by-source")))
        t(ox.Triple(e, p("studyDesign"), n("study-design", DESIGNS[k % len(DESIGNS)])))
        t(ox.Triple(e, p("citesSource"), src))
        t(ox.Triple(e, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), src))
        t(ox.Triple(e, p("statement"), lit("Ett syntetiskt påstående.", "sv")))
        t(ox.Triple(e, p("statement"), lit("A synthetic statement.", "en")))
        t(ox.Triple(e, p("population"), lit("Syntetisk population.", "sv")))
        t(ox.Triple(e, p("population"), lit("Synthetic population.", "en")))
        t(ox.Triple(e, p("curationStatus"), n("curation-status", "reviewed")))
        t(ox.Triple(e, p("curator"), n("agent", "mhkg-curation-team")))
        t(ox.Triple(e, ox.NamedNode(DCT + "created"), date))
        t(ox.Triple(e, ox.NamedNode(DCT + "modified"), date))
    return out
