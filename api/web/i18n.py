"""Interface texts in Swedish (default) and English."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "site": ("Kunskapsgraf för psykisk hälsa", "Mental Health Knowledge Graph"),
    "tagline": (
        "Evidensbaserade insatser för Region Stockholms strategi för psykisk hälsa – för varje nämnd, bolag och kommun.",
        "Evidence-backed measures for Region Stockholm's mental-health strategy – for every committee, company and municipality.",
    ),
    "nav_start": ("Start", "Home"),
    "nav_gaps": ("Evidensluckor", "Evidence gaps"),
    "nav_strategy": ("Strategin", "The strategy"),
    "nav_query": ("Frågor (SPARQL)", "Queries (SPARQL)"),
    "nav_curation": ("Granska en post", "Check an entry"),
    "nav_ontology": ("Ontologin", "Ontology"),
    "lang_switch": ("In English", "På svenska"),
    "choose_org": ("Välj din organisation", "Choose your organisation"),
    "show": ("Visa", "Show"),
    "search": ("Sök organisation", "Search organisation"),
    "search_button": ("Sök", "Search"),
    "responsibilities": ("Ansvar", "Responsibilities"),
    "measures": ("Rekommenderade evidensbaserade insatser", "Recommended evidence-backed measures"),
    "no_measures": (
        "Inga evidensbaserade insatser hittades inom organisationens ansvar. Det kan bero på att ansvaret är "
        "styrande utan egen vardagsmiljö, eller på att evidens saknas där.",
        "No evidence-backed measures were found within the organisation's remit: its remit may be "
        "governance without a setting of its own, or evidence is missing there.",
    ),
    "because": ("Eftersom ni ansvarar för", "Because you are responsible for"),
    "sources": ("Källor", "Sources"),
    "certainty": ("Tillförlitlighet", "Certainty"),
    "entries": ("evidensposter", "evidence entries"),
    "entry_one": ("evidenspost", "evidence entry"),
    "briefing": ("Utskriftsvänlig sammanfattning", "Printable briefing"),
    "basis": ("Grund", "Basis"),
    "role": ("Roll", "Role"),
    "settings": ("Vardagsmiljöer", "Settings"),
    "life_stages": ("Livsskeden", "Life stages"),
    "levels": ("Arbetsnivåer", "Levels of action"),
    "evidence": ("Evidens", "Evidence"),
    "outcome": ("Utfall", "Outcome"),
    "effect": ("Effekt", "Effect"),
    "design": ("Studiedesign", "Study design"),
    "status": ("Status", "Status"),
    "statement": ("Vad evidensen säger", "What the evidence says"),
    "definition": ("Beskrivning", "Description"),
    "areas": ("Samhällsområden", "Societal areas"),
    "sdg": ("Delmål i Agenda 2030", "SDG targets"),
    "directions": ("Huvudinriktning", "Direction"),
    "gaps_title": ("Evidensluckor: vardagsmiljöer × livsskeden", "Evidence gaps: settings × life stages"),
    "gaps_intro": (
        "Varje ruta visar antalet evidensposter med gynnsam effekt på eller över vald tillförlitlighet, "
        "och den bästa tillförlitligheten. Tomma rutor är luckor.",
        "Each cell shows the number of evidence entries with beneficial effect at or above the chosen certainty, and the best certainty. Empty cells are gaps.",
    ),
    "min_certainty": ("Lägsta tillförlitlighet", "Minimum certainty"),
    "gap": ("lucka", "gap"),
    "strategy_title": ("Strategins struktur", "The strategy's structure"),
    "query_title": ("Frågekatalog och SPARQL", "Query catalogue and SPARQL"),
    "run": ("Kör", "Run"),
    "query_text": ("SPARQL-fråga", "SPARQL query"),
    "results": ("Resultat", "Results"),
    "download": ("Ladda ner", "Download"),
    "rows": ("rader", "rows"),
    "curation_title": ("Granska en evidenspost", "Check an evidence entry"),
    "curation_intro": (
        "Klistra in en post i Turtle. Den kontrolleras mot repositoriets former (SHACL) i sammanhang med befintliga källor och insatser. Inget sparas.",
        "Paste an entry in Turtle. It is checked against the repository's shapes (SHACL) in the context of "
        "the existing sources and interventions. Nothing is stored.",
    ),
    "entry": ("Post (Turtle)", "Entry (Turtle)"),
    "validate": ("Kontrollera", "Check"),
    "conforms": ("Posten uppfyller kraven.", "The entry conforms."),
    "does_not_conform": ("Posten uppfyller inte kraven.", "The entry does not conform."),
    "severity": ("Allvarlighet", "Severity"),
    "property": ("Egenskap", "Property"),
    "value": ("Värde", "Value"),
    "message": ("Meddelande", "Message"),
    "syntax_error": ("Syntaxfel", "Syntax error"),
    "line": ("rad", "line"),
    "column": ("kolumn", "column"),
    "properties": ("Egenskaper", "Properties"),
    "classes": ("Klasser", "Classes"),
    "concepts": ("Begrepp", "Concepts"),
    "other_formats": ("Andra format", "Other formats"),
    "not_found": ("Hittades inte", "Not found"),
    "reference": ("Referens", "Reference"),
    "printed": ("Utskrivet", "Printed"),
}
CERTAINTY = {"high": ("Hög", "High"), "moderate": ("Måttlig", "Moderate"), "low": ("Låg", "Low"), "very-low": ("Mycket låg", "Very low")}
KIND_ORDER = [
    "Region",
    "Assembly",
    "ExecutiveBoard",
    "Committee",
    "Administration",
    "Company",
    "MunicipalFederation",
    "Municipality",
    "InterestOrganisation",
    "ResearchAndDevelopmentPartner",
    "CivilSocietyOrganisation",
    "PoliticalBody",
]


def t(key: str, lang: str) -> str:
    sv, en = TEXTS[key]
    return en if lang == "en" else sv
