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


# The public endpoint's refusals and failures (parse policy, query workers): Swedish, English. ``{where}`` is
# filled with the position (the "where" text) when there is one, else left empty.
MESSAGES: dict[str, tuple[str, str]] = {
    "where": (" (rad {line}, kolumn {column})", " (line {line}, column {column})"),
    "too_long": (
        "Texten är längre än {limit} tecken, vilket är mer än den här tjänsten läser.",
        "The text is longer than {limit} characters, the most this endpoint reads.",
    ),
    "malformed_query": ("Frågan är felaktigt formulerad{where}, {near}: {detail}", "Malformed query{where}, {near}: {detail}"),
    "malformed_update": ("Uppdateringen är felaktigt formulerad{where}, {near}: {detail}", "Malformed update{where}, {near}: {detail}"),
    "near": ("vid {excerpt!r}", "near {excerpt!r}"),
    "at_end": ("i slutet av texten", "at the end of the text"),
    "too_deep": (
        "Texten är nästlad i fler än {limit} nivåer, vilket är mer än den här tjänsten läser{where}.",
        "The text nests deeper than this endpoint reads (more than {limit} levels){where}.",
    ),
    "escapes": (
        "Kodpunktsescape (\\u och \\U) tas inte emot här{where}: skriv tecknet direkt.",
        "\\u and \\U escapes are not accepted here{where}: write the character itself.",
    ),
    "read_only": (
        "Den här tjänsten är skrivskyddad: SPARQL Update (INSERT, DELETE, LOAD, CLEAR …) tas inte emot.",
        "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR …) is not accepted.",
    ),
    "read_only_endpoint": (
        "Den här tjänsten är skrivskyddad: SPARQL Update tas inte emot här (den som har skrivnyckeln skickar uppdateringar till /update).",
        "This endpoint is read-only: SPARQL Update is not accepted here (holders of the write token send updates to /update).",
    ),
    "service": (
        "SERVICE är inte tillåtet här: publika frågor körs bara mot den här kunskapsgrafen och når aldrig andra servrar.",
        "SERVICE is not allowed on this endpoint: public queries run on this knowledge graph only and never reach another server.",
    ),
    "service_update": (
        "SERVICE är inte tillåtet: uppdateringar körs bara mot den här kunskapsgrafen och når aldrig andra servrar.",
        "SERVICE is not allowed: updates run on this knowledge graph only and never reach another server.",
    ),
    "load": ("LOAD är inte tillåtet: tjänsten hämtar aldrig data utifrån.", "LOAD is not allowed: this service never fetches remote data."),
    "using_conflict": (
        "using-graph-uri och using-named-graph-uri kan inte kombineras med USING eller WITH i uppdateringen.",
        "using-graph-uri and using-named-graph-uri cannot be combined with USING or WITH in the update.",
    ),
    "using_failed": ("Uppdateringen kunde inte få sina USING-grafer.", "The update could not be given its USING graphs."),
    "not_iri": ("Inte en IRI: {value!r} ({detail}).", "Not an IRI: {value!r} ({detail})."),
    "client_limit": (
        "Du har redan {limit} frågor som körs eller väntar här. Vänta tills någon av dem är klar.",
        "You already have {limit} queries running or waiting here; wait for one to finish.",
    ),
    "queue_full": ("För många frågor väntar på att köras. Försök igen om en stund.", "Too many queries are waiting for a worker; try again shortly."),
    "busy": ("Alla frågeprocesser var upptagna hela väntetiden. Försök igen om en stund.", "All query workers stayed busy; try again shortly."),
    "shutting_down": ("Tjänsten håller på att stängas av.", "The service is shutting down."),
    "no_sandbox": (
        "Frågeprocesserna kan inte isoleras från nätverket på den här datorn, så publika frågor är avstängda: {detail}",
        "The query workers cannot be isolated from the network on this machine, so public queries are off: {detail}",
    ),
    "memory": (
        "Frågan behövde mer minne än en fråga får använda här och avbröts.",
        "The query needed more memory than a query may use here, and was stopped.",
    ),
    "crashed": (
        "Frågan stoppade sin process oväntat (slutstatus {code}); processen har ersatts.",
        "The query stopped its worker unexpectedly (exit status {code}); the worker was replaced.",
    ),
    "timeout": ("Frågan tog längre tid än {seconds:g} s och avbröts.", "The query ran longer than {seconds:g} s and was stopped."),
    "too_many_rows": (
        "Svaret har fler än {limit} rader, det mesta som den här tjänsten lämnar ut i ett svar. Bläddra med LIMIT och OFFSET, "
        "eller ladda ned hela datamängden som /dataset.nt, /dataset.ttl eller /dataset.jsonld.",
        "The answer has more than {limit} rows, the most this public endpoint returns at once: add LIMIT and OFFSET to page "
        "through it, or download the whole dataset as /dataset.nt, /dataset.ttl or /dataset.jsonld.",
    ),
    "engine_syntax": ("Frågan är felaktigt formulerad: {detail}", "Malformed query: {detail}"),
    "engine_failed": ("Frågan kunde inte utvärderas: {detail}", "Query evaluation failed: {detail}"),
    # The error hierarchy (api.errors) and the error page (api.web.errors): what is missing, refused or failed.
    "not_found": ("{what} ”{name}” finns inte.", "No {what} {name!r}"),
    "not_found_iri": ("{what} ”{name}” finns inte: det är ingen giltig IRI.", "No {what} {name!r}: not a valid IRI"),
    "not_a_measure": (
        "Insatsen ”{name}” är inte en av de rekommenderade insatserna för organisationen ”{org}”.",
        "{name} is not among the measures of {org}",
    ),
    "what_organisation": ("Organisationen", "organisation"),
    "what_intervention": ("Insatsen", "intervention"),
    "what_evidence": ("Evidensposten", "evidence entry"),
    "what_source": ("Källan", "source"),
    "what_scheme": ("Begreppsschemat", "concept scheme"),
    "what_resource": ("Resursen", "resource"),
    "what_query": ("Katalogfrågan", "catalogue query"),
    "what_page": ("Sidan", "page"),
    "what_measure": ("Insatsen", "measure"),
    "not_acceptable": (
        "Inget av de format som finns här godtas enligt begärans Accept-huvud: {offered}.",
        "Not acceptable: {offered}",
    ),
    "one_of": ("Parametern {name} ska ha ett av värdena {choices}.", "{name} must be one of {choices}"),
    "explain_needs": ("Analysen explain behöver både --org och --intervention.", "explain needs --org and --intervention"),
    "entry_exists": ("Posten {iri} finns redan.", "The entry {iri} already exists."),
    "needs_embedded_store": (
        "Poster kan bara skickas in när tjänsten har sin egen databas; den här tjänsten läser från en annan SPARQL-server.",
        "Submissions need the embedded store; this service reads a remote endpoint.",
    ),
    "entry_format": ("Skicka posten som {formats}.", "Send the entry as {formats}"),
    "not_utf8": ("Innehållet är inte text i UTF-8.", "The body is not UTF-8 text"),
    "no_typed_resource": ("Posten anger ingen resurs med typ (rdf:type).", "The entry declares no typed resource (rdf:type)."),
    "not_one_entry": ("Skicka exakt en mh:EvidenceEntry.", "Submit exactly one mh:EvidenceEntry."),
    "entry_only": (
        "En postfil beskriver bara själva posten. Lägg till källor och insatser som egna filer.",
        "An entry file describes only the entry itself; add sources and interventions as their own files.",
    ),
    "entry_slug": (
        "Postens IRI ska vara {base}evidence/<namn>, med ett namn i gemener.",
        "The entry's IRI must be {base}evidence/<slug> with a lowercase slug.",
    ),
    "writes_off": (
        "Det går inte att skicka in eller ändra data här: ingen skrivnyckel är inställd (MHKG_WRITE_TOKEN).",
        "Submissions are disabled: no write token is configured (MHKG_WRITE_TOKEN).",
    ),
    "token_required": ("En skrivnyckel (bearer token) krävs.", "A bearer token is required."),
    "token_invalid": ("Skrivnyckeln gäller inte för att skicka in eller ändra data.", "The token is not valid for submissions."),
    "internal_error": (
        "Ett oväntat fel uppstod i tjänsten. Försök igen senare.",
        "An unexpected error occurred in the service; try again later.",
    ),
    "invalid_request": (
        "En eller flera uppgifter i begäran saknas eller har fel värde: {problems}",
        "The request has missing or invalid values: {problems}",
    ),
    "error_status": ("Felkod {status}", "Error {status}"),
    "error_home": ("Gå till startsidan", "Go to the home page"),
    "status_400": ("Begäran kunde inte läsas", "Bad request"),
    "status_401": ("Skrivnyckel krävs", "Authentication required"),
    "status_403": ("Åtkomst nekad", "Forbidden"),
    "status_404": ("Sidan finns inte", "Not found"),
    "status_405": ("Metoden stöds inte här", "Method not allowed"),
    "status_406": ("Formatet kan inte lämnas", "Not acceptable"),
    "status_409": ("Uppgifterna krockar med det som redan finns", "Conflict"),
    "status_413": ("Innehållet är för stort", "Content too large"),
    "status_415": ("Formatet stöds inte", "Unsupported media type"),
    "status_422": ("Uppgifterna kunde inte godtas", "Invalid request"),
    "status_429": ("För många frågor på en gång", "Too many requests"),
    "status_500": ("Ett fel uppstod i tjänsten", "Internal error"),
    "status_502": ("En annan server svarade inte", "Bad gateway"),
    "status_503": ("Tjänsten kan inte svara just nu", "Service unavailable"),
    "status_other": ("Något gick fel", "Something went wrong"),
}


def message(key: str, lang: str, **params: object) -> str:
    """A message of :data:`MESSAGES` in ``lang`` ("sv" or "en"), its ``{where}`` filled from ``line``/``column``.

    >>> message("timeout", "sv", seconds=10.0)
    'Frågan tog längre tid än 10 s och avbröts.'
    >>> message("escapes", "en", line=2, column=9)
    '\\\\u and \\\\U escapes are not accepted here (line 2, column 9): write the character itself.'
    """
    index = 1 if lang == "en" else 0
    line, column = params.get("line"), params.get("column")
    where = MESSAGES["where"][index].format(line=line, column=column) if line is not None else ""
    excerpt = params.get("excerpt")
    near = MESSAGES["near"][index].format(excerpt=excerpt) if excerpt else MESSAGES["at_end"][index]
    return MESSAGES[key][index].format(**{**params, "where": where, "near": near})


class Bilingual:
    """A refusal with its message in both languages: ``str()`` is English, :meth:`text` either."""

    key: str
    params: dict[str, object]

    def text(self, lang: str) -> str:
        return message(self.key, lang, **self.params)

    def both(self) -> str:
        """English, then Swedish: for answers without a page language (the SPARQL protocol's plain text)."""
        return self.text("en") + "\n" + self.text("sv")
