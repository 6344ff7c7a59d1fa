"""The interface's text in Swedish (the default) and English: one catalogue for pages, pictures and messages.

Every text has a key and a pair (Swedish, English); ``{name}`` marks a value filled in by :func:`t`.

- :data:`TEXTS`: the pages' and the analysis pictures' labels, headings and sentences.
- :data:`KINDS`: the names of the kinds of organisation. (The GRADE certainty levels are named in the graph's
  certainty scheme, read by :func:`api.catalogue.certainty.certainty_scale`.)
- :data:`MESSAGES`: the public endpoint's refusals and failures (:func:`message`, :class:`Bilingual`).

Values that come from the graph in both languages are *language maps* (``{"sv": …, "en": …}``);
:func:`pick` takes the page's language from one. Templates use these through ``t`` and ``pick`` only
(``api/web/render.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

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
    "search": ("Sök bland organisationer, insatser, utfall, miljöer och källor", "Search organisations, measures, outcomes, settings and sources"),
    "search_none": (
        "Inget matchade ”{q}”. Pröva ett kortare ord eller en del av ett ord (till exempel ”skol” eller ”mobb”), eller välj organisation i listan ovan.",
        "Nothing matched “{q}”. Try a shorter word or part of a word (for example “school” or “bully”), or choose an organisation from the list above.",
    ),
    "search_results": ("Sökträffar för ”{q}”", "Search results for “{q}”"),
    "search_button": ("Sök", "Search"),
    "measures": ("Insatser med stöd i forskningen", "Measures with research evidence"),
    "no_recommendation": (
        "Här visas vad forskningen har funnit om insatser som ni kan genomföra i er roll, och hur tillförlitligt det är "
        "(GRADE). Projektet rekommenderar ingenting själv; vad ni gör är ert beslut.",
        "This shows what research has found about measures you can carry out in your capacity, and how certain it is "
        "(GRADE). The project makes no recommendation of its own; what you do is your decision.",
    ),
    "show_drafts": ("Visa även utkast som ingen annan har granskat", "Also show drafts nobody else has reviewed"),
    "draft": ("utkast", "draft"),
    "draft_mark": ("Utkast: ännu inte granskat av någon annan än den som skrev det", "Draft: not yet reviewed by anyone but its author"),
    "why_certainty": ("Varför denna tillförlitlighet?", "Why this certainty?"),
    "rated_by": ("Bedömd av", "Rated by"),
    "no_clear_benefit": ("Det som inte fungerar eller saknar tydlig effekt", "What does not work or has no clear effect"),
    "no_clear_benefit_none": (
        "Inga fynd utan tydlig effekt, med blandad effekt eller med skadlig effekt inom ert ansvar.",
        "No findings of no clear effect, a mixed effect or harm within your remit.",
    ),
    "grade_heading": ("Så läser du tillförlitligheten (GRADE)", "How to read the certainty (GRADE)"),
    "covers": ("Omfattar", "Covers"),
    "in_setting": ("i", "in"),
    "every_setting": ("alla miljöer (styrande nivå)", "every setting (governing level)"),
    "no_measures": (
        "Inga insatser med gynnsam effekt i granskade poster hittades för ert ansvar i er roll. Se kunskapsluckorna "
        "och listan över det som saknar tydlig effekt nedan.",
        "No measures with a beneficial effect in reviewed entries were found for your remit in your capacity. See the "
        "evidence gaps and the list of what has no clear effect below.",
    ),
    "because": ("Därför gäller den er", "Why it applies to you"),
    "sources": ("Källor", "Sources"),
    "certainty": ("Tillförlitlighet", "Certainty"),
    "briefing": ("Utskriftsvänlig sammanfattning", "Printable briefing"),
    "basis": ("Grund", "Basis"),
    "role": ("Roll", "Role"),
    "settings": ("Vardagsmiljöer", "Settings"),
    "life_stages": ("Livsskeden", "Life stages"),
    "outcome": ("Utfall", "Outcome"),
    "effect": ("Effekt", "Effect"),
    "status": ("Status", "Status"),
    "statement": ("Vad evidensen säger", "What the evidence says"),
    "definition": ("Beskrivning", "Description"),
    "areas": ("Samhällsområden", "Societal areas"),
    "sdg": ("Delmål i Agenda 2030", "SDG targets"),
    "directions": ("Huvudinriktning", "Direction"),
    "gaps_title": ("Evidensluckor per vardagsmiljö och livsskede", "Evidence gaps by setting and life stage"),
    "gaps_intro": (
        "Varje ruta visar antalet fynd med gynnsam effekt på eller över vald tillförlitlighet, och den bästa tillförlitligheten. Tomma rutor är luckor.",
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
    # every page: the frame around it
    "skip_to_content": ("Hoppa till innehållet", "Skip to content"),
    "main_menu": ("Huvudmeny", "Main menu"),
    "nav_network": ("Samverkan", "Collaboration"),
    "footer": (
        "Kunskap under CC BY 4.0. Källor: Region Stockholm, Huddinge kommun, UN SDG KOS, BCIO.",
        "Knowledge under CC BY 4.0. Sources: Region Stockholm, Huddinge municipality, UN SDG KOS, BCIO.",
    ),
    # an organisation's page and its briefing
    "why": ("Varför? Visa vägen genom grafen", "Why? Show the path through the graph"),
    "paths_diagram": ("Diagram över vägarna (SVG)", "Diagram of the paths (SVG)"),
    "measure": ("Insats", "Measure"),
    # the organisation's page at a glance (issue 14): summary, filters, cards, the documents' own facts
    "summary_heading": ("Sammanfattning", "Summary"),
    "summary_measures": (
        "{count} insatser med stöd i forskningen passar ert ansvar och er roll. {moderate} av dem har minst måttlig tillförlitlighet.",
        "{count} measures with research evidence fit your remit and capacity. {moderate} of them have at least moderate certainty.",
    ),
    "summary_measures_one": (
        "1 insats med stöd i forskningen passar ert ansvar och er roll. {moderate} av dem har minst måttlig tillförlitlighet.",
        "1 measure with research evidence fits your remit and capacity. {moderate} of them have at least moderate certainty.",
    ),
    "summary_none": (
        "Ingen insats med gynnsam effekt i granskade fynd passar ert ansvar och er roll.",
        "No measure with a beneficial effect in reviewed findings fits your remit and capacity.",
    ),
    "summary_without": (
        "{count} fynd inom ert ansvar visar ingen tydlig effekt, blandad effekt eller skada. De står under ”Det som inte fungerar”.",
        "{count} findings within your remit show no clear effect, a mixed effect or harm. They are listed under “What does not work”.",
    ),
    "summary_without_none": (
        "Det finns inga fynd inom ert ansvar om insatser utan tydlig effekt, med blandad effekt eller med skada.",
        "No findings within your remit show no clear effect, a mixed effect or harm.",
    ),
    "summary_drafts": (
        "{count} av insatserna vilar helt eller delvis på utkast som ingen annan har granskat.",
        "{count} of the measures rest wholly or partly on drafts nobody else has reviewed.",
    ),
    "summary_filtered": ("Listan är avgränsad.", "The list is narrowed."),
    "filters_heading": ("Avgränsa listan", "Narrow the list"),
    "filter_life_stage": ("Livsskede", "Life stage"),
    "filter_direction": ("Inriktning", "Direction"),
    "all_life_stages": ("Alla livsskeden", "All life stages"),
    "any_certainty": ("Alla nivåer", "Any level"),
    "both_directions": ("Både främjande och förebyggande", "Both promotion and prevention"),
    "reset_filters": ("Visa alla", "Show all"),
    "findings_intro": ("Forskningen om insatsen inom ert ansvar:", "The research on this measure within your remit:"),
    "findings_beneficial": ("{count} fynd med gynnsam effekt", "{count} with a beneficial effect"),
    "findings_no_clear_effect": ("{count} utan tydlig effekt", "{count} with no clear effect"),
    "findings_mixed": ("{count} med blandad effekt", "{count} with a mixed effect"),
    "findings_harmful": ("{count} med skadlig effekt", "{count} with a harmful effect"),
    "partly_draft": (
        "Delvis utkast: några av fynden är ännu inte granskade av någon annan",
        "Partly draft: some of the findings are not yet reviewed by anyone else",
    ),
    "no_measures_for": (
        "Inga insatser med gynnsam effekt i granskade fynd hittades inom:",
        "No measures with a beneficial effect in reviewed findings were found within:",
    ),
    "no_measures_for_why": (
        "Det betyder att forskningen i kunskapsgrafen saknas eller inte har visat någon tydlig effekt, inte att inget går att göra.",
        "This means the knowledge graph holds no research showing a clear effect there, not that nothing can be done.",
    ),
    "csv_responsibility": ("Ansvar", "Responsibility"),
    "csv_draft": ("Vilar på utkast", "Rests on drafts"),
    "csv_yes": ("ja", "yes"),
    "csv_page": ("Sida", "Page"),
    "briefing_title": ("Underlag: insatser med stöd i forskningen", "Briefing: measures with research evidence"),
    "briefing_meta": ("Utskrivet {date}. Dataversion {version}. Aktuell version: {link}", "Printed {date}. Data version {version}. Current version: {link}"),
    "briefing_csv": ("Hämta som CSV (för kalkylprogram)", "Download as CSV (for spreadsheets)"),
    "briefing_grade": ("Tillförlitlighet enligt GRADE", "Certainty by GRADE"),
    "best_evidence": ("Det säkraste fyndet", "The most certain finding"),
    "your_responsibilities": ("Ert ansvar i kunskapsgrafen", "Your responsibilities in the knowledge graph"),
    "consultation_heading": ("Remissvar på strategin", "Consultation response on the strategy"),
    "consultation_intro": ("{body} lämnade remissvaret den {date}. Svaret tar upp:", "{body} gave the response on {date}. It makes these points:"),
    "quoted": ("Ur svaret", "From the response"),
    "pilot_heading": ("Pilotkommuner", "Pilot municipalities"),
    "pilot_unnamed": (
        "Underlagen namnger inte de tre kommunerna, så här går det inte att säga om {name} är en av dem.",
        "The documents do not name the three municipalities, so it cannot be said here whether {name} is one of them.",
    ),
    "pilot_member": ("{name} är en av de tre kommunerna i pilotsamarbetet.", "{name} is one of the three municipalities in the pilot."),
    "pilot_not_member": ("{name} är inte en av de tre kommunerna i pilotsamarbetet.", "{name} is not one of the three municipalities in the pilot."),
    # the source, evidence and intervention pages (issue 14)
    "source_link": ("Länk", "Link"),
    "verification": ("Kontrollerad mot offentliga källor", "Checked against public records"),
    "resting_on_source": ("Det här vilar på källan", "What rests on this source"),
    "nothing_rests": ("Inget i kunskapsgrafen hänvisar ännu till källan.", "Nothing in the knowledge graph refers to this source yet."),
    "kind_EvidenceEntry": ("Fynd", "Findings"),
    "outcome_measure": ("Vad källan mätte", "What the source measured"),
    "design": ("Studietyp", "Study design"),
    "population": ("Deltagare", "Population"),
    "who_can_apply": ("Vilka kan genomföra insatsen?", "Who can carry out this measure?"),
    "who_can_apply_intro": (
        "Organisationer vars ansvar matchar insatsen i roll, vardagsmiljö och livsskede, utifrån granskade fynd med gynnsam effekt.",
        "Organisations whose remit matches the measure in capacity, setting and life stage, on reviewed findings with a beneficial effect.",
    ),
    "nobody_can_apply": (
        "Ingen organisation i kunskapsgrafen har ett ansvar som matchar insatsen.",
        "No organisation in the knowledge graph has a remit matching this measure.",
    ),
    "capacity_basis": ("Grund för rollen", "Basis for the capacity"),
    "all_findings": ("Alla fynd om insatsen", "Every finding on this measure"),
    # the strategy
    "strategy_sections": ("Tjänsteutlåtandets avsnitt", "The sections of the official report"),
    "strategy_sections_intro": (
        "Hälso- och sjukvårdsförvaltningens tjänsteutlåtande (2021) som lade fram strategin, avsnitt för avsnitt, "
        "med förvaltningens egna konsekvensbedömningar.",
        "The Health and Medical Care Administration's report (2021) that proposed the strategy, section by section, "
        "with its own assessments of the consequences.",
    ),
    "costs": ("Kostnader för psykisk ohälsa", "Costs of mental ill-health"),
    "billions_sek": ("{amount} miljarder kronor", "{amount} billion SEK"),
    "indicators_title": ("Indikatorer för uppföljning", "Follow-up indicators"),
    "indicators": ("Indikatorer", "Indicators"),
    "producer": ("Producent", "Producer"),
    "none_yet": ("saknas", "none"),
    # the collaboration network (issue 14, point 8: links on responsibilities that matter, wording for officials)
    "network_title": ("Organisationer som delar ansvar", "Organisations that share responsibilities"),
    "network_intro": (
        "Sidan visar vilka kommuner, nämnder och bolag som ansvarar för samma livsskeden i samma vardagsmiljöer, till exempel "
        "barn i förskolan eller äldre i hemmet. Använd den för att hitta de organisationer ni delar ansvar med, och som ni "
        "kan samordna insatser med.",
        "This page shows which municipalities, committees and companies are responsible for the same life stages in the same "
        "everyday settings, for example children in preschool or older people at home. Use it to find the organisations you "
        "share responsibilities with, and can coordinate measures with.",
    ),
    "network_common": (
        "Ansvar som nästan alla organisationer har räknas inte, eftersom de inte säger något om vem ni behöver samverka med: {what}.",
        "Responsibilities that nearly every organisation holds do not count, as they say nothing about whom you need to work with: {what}.",
    ),
    "network_generic_capacity": (
        "ansvaret som {capacity} ({count} av {total} organisationer)",
        "the responsibility as {capacity} ({count} of {total} organisations)",
    ),
    "network_common_pair": ("ansvaret för {what} ({count} av {total} organisationer)", "the responsibility for {what} ({count} of {total} organisations)"),
    "network_alt": ("Nätverk av organisationer som delar ansvar", "Network of organisations sharing responsibilities"),
    "network_caption": (
        "Organisationer som delar ansvar. En punkt kan vara flera organisationer med samma ansvar. "
        "En tjockare linje betyder fler och ovanligare gemensamma ansvar.",
        "Organisations that share responsibilities. One dot can be several organisations with the same responsibilities. "
        "A thicker line means more, and rarer, shared responsibilities.",
    ),
    "groups": ("Samverkansgrupper", "Collaboration groups"),
    "network_groups_intro": (
        "Organisationer som delar många ansvar, särskilt ansvar som få andra har, hamnar i samma grupp.",
        "Organisations that share many responsibilities, especially ones few others hold, fall into the same group.",
    ),
    "partners_title": ("Kommunernas samverkanspartner i regionen", "The municipalities' partners in the region"),
    "partners_intro": (
        "För varje kommun: regionens nämnder, bolag och förvaltningar som ansvarar för samma livsskeden i samma vardagsmiljöer "
        "som kommunen. Den som delar de ovanligaste ansvaren står först. Kommuner med samma ansvar i underlaget har samma "
        "samverkanspartner och visas tillsammans.",
        "For each municipality: the region's committees, companies and administrations responsible for the same life stages in "
        "the same everyday settings as the municipality, those sharing the rarest responsibilities first. Municipalities with "
        "the same responsibilities in the data have the same partners and are shown together.",
    ),
    "partners_all_same": (
        "I underlaget har alla {count} kommuner samma lagstadgade ansvar och därför samma samverkanspartner.",
        "In the data all {count} municipalities have the same statutory responsibilities, and so the same partners.",
    ),
    "partners_applies_to": ("Gäller {count} kommuner:", "Applies to {count} municipalities:"),
    "partner_bodies": ("Nämnder, bolag och förvaltningar", "Committees, companies and administrations"),
    "shared_responsibilities": ("Gemensamma ansvar", "Shared responsibilities"),
    "no_partners": ("Inga samverkanspartner i underlaget.", "No partners in the data."),
    "network_method_title": ("Så räknas sambanden fram", "How the links are worked out"),
    "network_method_links": (
        "Varje ansvar i underlaget anger i vilken egenskap organisationen har det, till exempel som huvudman för skolan eller "
        "som samhällsplanerare, och vilka livsskeden i vilka vardagsmiljöer det gäller. Två organisationer är länkade när "
        "båda ansvarar för samma livsskede i samma vardagsmiljö.",
        "Each responsibility in the data states the capacity in which the organisation holds it, for example as school "
        "organiser or as spatial planner, and which life stages in which everyday settings it covers. Two organisations are "
        "linked when both are responsible for the same life stage in the same everyday setting.",
    ),
    "network_method_common": (
        "En egenskap, eller ett ansvar för ett livsskede i en vardagsmiljö, som minst hälften av alla {total} organisationer i "
        "underlaget har, länkar ingen. Regeln räknas fram ur underlaget, inte ur en lista. I underlaget gäller det {what}.",
        "A capacity, or a responsibility for a life stage in an everyday setting, that at least half of all {total} "
        "organisations in the data hold links no one. The rule is worked out from the data, not from a list. In the data, that is {what}.",
    ),
    "network_method_rarity": (
        "Ovanliga gemensamma ansvar väger tyngre än vanliga: ett ansvar som få organisationer har säger mer om vilka som "
        "behöver samverka. Ett ansvar väger logaritmen av antalet organisationer delat med antalet som har ansvaret.",
        "Rare shared responsibilities weigh more than common ones: a responsibility that few organisations hold says more "
        "about who needs to work together. A responsibility weighs the logarithm of the number of organisations divided by "
        "the number that hold it.",
    ),
    "network_method_groups": (
        "Organisationer med exakt samma återstående ansvar visas som en punkt. Grupperna räknas fram så att organisationer "
        "som är starkt länkade till varandra hamnar i samma grupp.",
        "Organisations with exactly the same remaining responsibilities are shown as one dot. The groups are worked out so "
        "that organisations strongly linked to each other fall into the same group.",
    ),
    "network_left_out": (
        "Inte med, eftersom allt deras ansvar i underlaget är sådant som nästan alla har: {names}.",
        "Not included, as all their responsibilities in the data are ones nearly everyone holds: {names}.",
    ),
    "and_last": (" och ", " and "),
    "all_ages": ("alla åldrar", "all ages"),
    "network_nothing_common": ("inget ansvar", "no responsibility"),
    "network_alone_list": ("Delar inga ansvar med andra i underlaget: {names}.", "Share no responsibility with others in the data: {names}."),
    # the query page, the curation page and a resource's page
    "catalogue_examples": ("Exempel ur katalogen", "Examples from the catalogue"),
    "shape": ("Form", "Shape"),
    "concept": ("Begrepp", "Concept"),
    # the ontology's and the shapes' documentation
    "ontology_title": ("Ontologi: kunskapsgraf för psykisk hälsa", "Ontology: Mental Health Knowledge Graph"),
    "shapes_title": ("Former (SHACL)", "Shapes (SHACL)"),
    "object_properties": ("Objektegenskaper", "Object properties"),
    "datatype_properties": ("Datatypsegenskaper", "Datatype properties"),
    "annotation_properties": ("Annoteringsegenskaper", "Annotation properties"),
    "term": ("Term", "Term"),
    "label": ("Etikett", "Label"),
    "parent_range": ("Överordnad / omfång", "Parent / range"),
    # the analysis: gap maps, the network picture, leverage points and justification paths
    "gaps_matrix": ("Evidens per vardagsmiljö och livsskede", "Evidence per setting and life stage"),
    "areas_matrix": ("Insatser och de samhällsområden de berör", "Interventions and the societal areas they serve"),
    "best_certainty": ("Bästa tillförlitlighet", "Best certainty"),
    "network_picture": (
        "Organisationer som delar ansvar för samma livsskeden i samma vardagsmiljöer",
        "Organisations sharing responsibility for the same life stages in the same settings",
    ),
    "network_legend": ("Samverkansgrupper", "Collaboration groups"),
    "network_group": ("Grupp {number}: {size} organisationer", "Group {number}: {size} organisations"),
    "network_alone": ("Delar inga ansvar med andra", "Shares no responsibility with others"),
    "county_municipalities": ("Länets {count} kommuner", "The county's {count} municipalities"),
    "merged_organisations": ("{count} organisationer: {what}", "{count} organisations: {what}"),
    "same_remit": ("samma ansvar", "the same remit"),
    "leverage": (
        "{name} når {areas} samhällsområden, {targets} delmål i Agenda 2030, {settings} vardagsmiljöer och {stages} livsskeden (poäng {score} = summan).",
        "{name} reaches {areas} societal areas, {targets} SDG targets, {settings} settings and {stages} life stages (score {score} = the sum).",
    ),
    "justification_path": (
        "{organisation} kan genomföra {intervention} i egenskap av {capacity} ({responsibility}), för {stage}{setting}; "
        "fyndet {entry} visar gynnsam effekt, med {certainty} tillförlitlighet, enligt {source}.",
        "{organisation} can carry out {intervention} as {capacity} ({responsibility}), for {stage}{setting}; "
        "finding {entry} shows a beneficial effect, with {certainty} certainty, according to {source}.",
    ),
    "in_setting_part": (" i {setting}", " in {setting}"),
    "path_organisation": ("Organisation", "Organisation"),
    "path_responsibility": ("Ansvar", "Responsibility"),
    "path_capacity": ("Roll", "Capacity"),
    "path_life_stage": ("Livsskede", "Life stage"),
    # the review queue and an entry's review page (issue 15)
    "review_queue": ("Granskningskö", "Review queue"),
    "review_queue_intro": (
        "Ett inskickat fynd räknas inte som evidens förrän någon annan än den som skickade in det har granskat det. "
        "Publicerade och granskade fynd visas på de offentliga sidorna; utkast och tillbakadragna fynd gör det inte.",
        "A submitted finding does not count as evidence until someone other than its submitter has reviewed it. "
        "Published and reviewed findings appear on the public pages; drafts and retracted findings do not.",
    ),
    "waiting_for_review": ("Väntar på granskning", "Waiting for review"),
    "waiting_for_publication": ("Granskade, väntar på publicering", "Reviewed, waiting for publication"),
    "nothing_waiting": ("Inget väntar här just nu.", "Nothing is waiting here."),
    "show_list": ("Visa listan", "Show the list"),
    "version": ("version", "version"),
    "revised_entry": ("ny version", "revised"),
    "review_title": ("Granska", "Review"),
    "written_by": ("Skickad eller ändrad av", "Submitted or revised by"),
    "history": ("Historik", "History"),
    "when": ("När", "When"),
    "step": ("Steg", "Step"),
    "who": ("Vem", "Who"),
    "note_heading": ("Kommentar", "Note"),
    "from_status": ("från", "from"),
    "changes": ("Ändringar mot förra versionen", "Changes against the previous version"),
    "first_version": ("Det här är postens första version.", "This is the entry's first version."),
    "show_entry": ("Visa posten", "Show the entry"),
    "review_step": ("Ditt beslut", "Your decision"),
    "review_step_intro": (
        "Du behöver en granskares nyckel. Du kan inte godkänna eller publicera en version som du själv har skickat in eller ändrat. "
        "Ange skälet om du drar tillbaka posten.",
        "You need a reviewer's token. You cannot approve or publish a version you submitted or revised yourself. "
        "Give the reason if you retract the entry.",
    ),
    "your_token": ("Din granskarnyckel", "Your reviewer token"),
    "note_label": ("Kommentar (krävs när posten dras tillbaka)", "Note (required for a retraction)"),
    "do_approve": ("Godkänn", "Approve"),
    "do_publish": ("Publicera", "Publish"),
    "do_retract": ("Dra tillbaka", "Retract"),
    "status_draft": ("Utkast", "Draft"),
    "status_reviewed": ("Granskad", "Reviewed"),
    "status_published": ("Publicerad", "Published"),
    "status_retracted": ("Tillbakadragen", "Retracted"),
    "step_done_approve": ("Posten är godkänd och har nu status granskad.", "The entry is approved and now reviewed."),
    "step_done_publish": ("Posten är publicerad.", "The entry is published."),
    "step_done_retract": ("Posten är tillbakadragen.", "The entry is retracted."),
    "retracted_mark": (
        "Tillbakadragen: fyndet har dragits tillbaka efter granskning och räknas inte som evidens.",
        "Retracted: the finding was withdrawn after review and does not count as evidence.",
    ),
    "step_done_submit": ("Posten är inskickad som utkast och väntar på granskning.", "The entry is submitted as a draft and waits for review."),
    "submit_legend": ("Skicka in posten", "Submit the entry"),
    "submit_intro": (
        "Posten sparas som utkast och syns inte som evidens förrän en annan person har granskat den.",
        "The entry is saved as a draft and does not count as evidence until another person has reviewed it.",
    ),
    "your_curator_token": ("Din kuratorsnyckel", "Your curator token"),
    "do_submit": ("Skicka in", "Submit"),
    "revise_heading": ("Skicka in en ny version", "Submit a new version"),
    "revise_intro": (
        "En ny version ersätter den nuvarande, sparar den gamla texten och går tillbaka till granskning.",
        "A new version replaces the current one, keeps the old text and goes back to review.",
    ),
    "do_revise": ("Skicka in ny version", "Submit new version"),
    "step_done_revise": ("Den nya versionen väntar på granskning.", "The new version is waiting for review."),
    "path_entry": ("Fynd", "Finding"),
    "path_intervention": ("Insats", "Intervention"),
    "path_source": ("Källa", "Source"),
    # the SPARQL editor (/query/editor: YASGUI)
    "nav_editor": ("SPARQL-redigerare", "SPARQL editor"),
    "editor_title": ("SPARQL-redigerare", "SPARQL editor"),
    "editor_intro": (
        "Skriv och kör SPARQL-frågor mot tjänstens egen slutpunkt, {endpoint}. Frågekatalogens frågor finns som flikar, "
        "med exempelvärden ifyllda. Ctrl+mellanslag föreslår prefix, klasser och egenskaper ur grafen. "
        "Länkikonen ger en permalänk till frågan. Redigeraren är YASGUI, vars knappar och menyer är på engelska.",
        "Write and run SPARQL queries against the service's own endpoint, {endpoint}. The query catalogue's queries are "
        "tabs, with example values filled in. Ctrl+Space suggests prefixes, classes and properties from the graph. "
        "The link icon gives a permalink to the query. The editor is YASGUI, whose buttons and menus are in English.",
    ),
    "editor_plain": ("Frågesidan fungerar utan JavaScript", "The query page works without JavaScript"),
    "editor_noscript": (
        "Redigeraren behöver JavaScript. Frågesidan har samma frågor och fungerar utan.",
        "The editor needs JavaScript. The query page has the same queries and works without it.",
    ),
    "editor_open": (
        "SPARQL-redigeraren, med syntaxfärgning, komplettering och permalänkar (kräver JavaScript)",
        "The SPARQL editor, with highlighting, completion and permalinks (needs JavaScript)",
    ),
    "editor_first_tab": ("Exempel", "Example"),
    "editor_tab": ("Fråga", "Query"),
    "editor_endpoint": ("SPARQL-slutpunkt", "SPARQL endpoint"),
    # the form of one catalogue query (/query/{name}) and the syntax errors on the query pages
    "query_as_form": ("som formulär", "as a form"),
    "query_parameters": ("Parametrar", "Parameters"),
    "query_no_parameters": ("Frågan har inga parametrar.", "The query has no parameters."),
    "query_required": ("obligatorisk", "required"),
    "query_any": ("(alla)", "(any)"),
    "query_choose": ("(välj)", "(choose)"),
    "query_permalink": ("Permanent länk till frågan med de här värdena", "Permanent link to the query with these values"),
    "query_sparql": ("Frågans SPARQL-text", "The query's SPARQL text"),
    "query_open_editor": ("Öppna i redigeraren", "Open in the editor"),
    "query_api": ("Samma fråga i API:t (JSON)", "The same query in the API (JSON)"),
    "query_fill_in": ("Fyll i de obligatoriska fälten och kör frågan.", "Fill in the required fields and run the query."),
    "query_invalid": ("Frågan kördes inte: rätta värdena nedan.", "The query was not run: correct the values below."),
    "query_none": ("Frågan gav inga rader.", "The query gave no rows."),
    "query_catalogue_back": ("Alla frågor i katalogen", "All queries in the catalogue"),
    "syntax_where": ("Här stannade tolkningen", "Where the parser stopped"),
    "param_org": ("Organisation", "Organisation"),
    "param_setting": ("Vardagsmiljö", "Everyday setting"),
    "param_life_stage": ("Livsskede", "Life stage"),
    "param_area": ("Samhällsområde", "Societal area"),
    "param_sdg_target": ("Delmål i Agenda 2030", "SDG target"),
    "param_direction": ("Inriktning", "Direction"),
    "param_min_certainty": ("Lägsta tillförlitlighet (GRADE)", "Minimum certainty (GRADE)"),
    "param_min_status": ("Lägsta granskningsstatus", "Minimum curation status"),
    "param_effect": ("Effekt", "Effect"),
    "param_years": ("Antal år", "Number of years"),
    "param_entry": ("Evidenspost", "Evidence entry"),
    "param_outcome": ("Utfall", "Outcome"),
    "param_intervention": ("Insats", "Intervention"),
    "param_consequence_area": ("Konsekvensområde", "Consequence area"),
}
# Kinds of organisation (classes of the ontology, by local name): the name of one, for a label.
KINDS = {
    "Region": ("Region", "Region"),
    "Assembly": ("Fullmäktige", "Assembly"),
    "ExecutiveBoard": ("Styrelse", "Executive board"),
    "Committee": ("Nämnd", "Committee"),
    "Administration": ("Förvaltning", "Administration"),
    "Company": ("Bolag", "Company"),
    "Municipality": ("Kommun", "Municipality"),
    "MunicipalFederation": ("Kommunalförbund", "Municipal federation"),
    "CivilSocietyOrganisation": ("Civilsamhälle", "Civil society"),
    "InterestOrganisation": ("Intresseorganisation", "Association"),
    "ResearchAndDevelopmentPartner": ("Forsknings- och utvecklingspartner", "R&D partner"),
    "PoliticalBody": ("Politiskt organ", "Political body"),
}
# The same kinds as list headings (plural), in the order the start page lists them.
KIND_HEADINGS = {
    "Region": ("Regionen", "The region"),
    "Assembly": ("Fullmäktige", "Assemblies"),
    "ExecutiveBoard": ("Styrelser", "Executive boards"),
    "Committee": ("Nämnder", "Committees"),
    "Administration": ("Förvaltningar", "Administrations"),
    "Company": ("Bolag", "Companies"),
    "Municipality": ("Kommuner", "Municipalities"),
    "MunicipalFederation": ("Kommunalförbund", "Municipal federations"),
    "CivilSocietyOrganisation": ("Civilsamhällets organisationer", "Civil-society organisations"),
    "InterestOrganisation": ("Intresseorganisationer", "Associations"),
    "ResearchAndDevelopmentPartner": ("Forsknings- och utvecklingspartner", "R&D partners"),
    "PoliticalBody": ("Politiska organ", "Political bodies"),
}
# The site's search results, by kind of resource (classes of the ontology, by local name).
SEARCH_HEADINGS = {
    "Organisation": ("Organisationer", "Organisations"),
    "Intervention": ("Insatser", "Measures"),
    "Outcome": ("Utfall", "Outcomes"),
    "EverydaySetting": ("Vardagsmiljöer", "Settings"),
    "Source": ("Källor", "Sources"),
}
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


def _index(lang: str) -> int:
    return 1 if lang == "en" else 0


def t(key: str, lang: str, **params: object) -> str:
    """The text of :data:`TEXTS` ``key`` in ``lang`` ("sv" or "en"; anything else is Swedish), its ``{…}`` filled from ``params``.

    >>> t("billions_sek", "sv", amount="1,5"), t("billions_sek", "en", amount="1.5")
    ('1,5 miljarder kronor', '1.5 billion SEK')
    """
    return TEXTS[key][_index(lang)].format(**params)


def text_map(key: str, **params: object) -> dict[str, str]:
    """The text of ``key`` as a language map, for values chosen before the page's language is known.

    >>> text_map("classes")
    {'sv': 'Klasser', 'en': 'Classes'}
    """
    return {lang: t(key, lang, **params) for lang in LANGUAGES}


def as_map(pair: tuple[str, str]) -> dict[str, str]:
    """A (Swedish, English) pair of :data:`KINDS` as a language map."""
    return dict(zip(LANGUAGES, pair, strict=True))


def pick(value: Mapping[str, Any] | str | None, lang: str) -> Any:
    """The value of a language map in ``lang``; where it has none, English, Swedish, then the untagged one (key ``""``).

    A plain string is language-neutral and comes back as it is; None (no value) gives "".

    >>> pick({"sv": "Barn", "en": "Children"}, "en"), pick({"sv": "Barn", "en": None}, "en"), pick({"": "x"}, "sv")
    ('Children', 'Barn', 'x')
    >>> pick({"sv": [], "en": ["only English"]}, "sv"), pick("ISO 3166", "en"), pick(None, "sv")
    ([], 'ISO 3166', '')
    """
    return pick_tagged(value, lang)[0]


def pick_tagged(value: Mapping[str, Any] | str | None, lang: str) -> tuple[Any, str]:
    """Like :func:`pick`, with the language the value came in: ``""`` where it is the page's own or untagged.

    >>> pick_tagged({"en": "checked against the DOI"}, "sv"), pick_tagged({"sv": "Barn", "en": "Children"}, "sv")
    (('checked against the DOI', 'en'), ('Barn', ''))
    """
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    for code in (lang, "en", "sv", ""):
        if value.get(code) is not None:
            return value[code], ("" if code in (lang, "") else code)
    return "", ""


def number(value: float, lang: str, *, decimals: int = 2) -> str:
    """A number as the language writes it: decimal comma and a no-break space between thousands in Swedish,
    decimal point and thousands commas in English; at most ``decimals`` decimals, no trailing zeros.

    >>> number(1234.5, "sv"), number(1234.5, "en"), number(60.0, "sv"), number(2.25, "sv"), number(1e6, "en")
    ('1\\xa0234,5', '1,234.5', '60', '2,25', '1,000,000')
    """
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "en":
        return text
    return text.translate(str.maketrans(",.", "\u00a0,"))


MONTHS = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
}


def date(value: str | None, lang: str) -> str:
    """An ISO date (``2021-05-05``) as the language writes it in running text; anything else unchanged.

    >>> date("2021-05-05", "sv"), date("2021-05-05", "en"), date("2021", "sv")
    ('5 maj 2021', '5 May 2021', '2021')
    """
    if not value or len(value) < 10 or value[4] != "-" or value[7] != "-":
        return value or ""
    try:
        year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
        return f"{day} {MONTHS[lang][month - 1]} {year}"
    except (ValueError, IndexError):
        return value


# The public endpoint's refusals and failures (parse policy, query workers): Swedish, English. ``{where}`` is
# filled with the position (the "where" text) when there is one, else left empty.
MESSAGES: dict[str, tuple[str, str]] = {
    "where": (" (rad {line}, kolumn {column})", " (line {line}, column {column})"),
    "too_long": (
        "Texten är längre än {limit} tecken, vilket är mer än den här tjänsten läser.",
        "The text is longer than {limit} characters, the most this endpoint reads.",
    ),
    "malformed_query": ("Frågan är felaktigt formulerad{where}, {near}. Förväntat här: {detail}", "Malformed query{where}, {near}. Expected here: {detail}"),
    "malformed_update": (
        "Uppdateringen är felaktigt formulerad{where}, {near}. Förväntat här: {detail}",
        "Malformed update{where}, {near}. Expected here: {detail}",
    ),
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
    "engine_syntax": ("Frågan är felaktigt formulerad{where}: {detail}", "Malformed query{where}: {detail}"),
    "engine_syntax_update": (
        "Uppdateringen är felaktigt formulerad{where} och ändrade ingenting: {detail}",
        "Malformed update{where}; it changed nothing: {detail}",
    ),
    "engine_failed": ("Frågan kunde inte utvärderas: {detail}", "Query evaluation failed: {detail}"),
    # The error hierarchy (api.errors) and the error page (api.web.errors): what is missing, refused or failed.
    "not_found": ("{what} ”{name}” finns inte.", "No {what} {name!r}"),
    "not_found_iri": ("{what} ”{name}” finns inte: det är ingen giltig IRI.", "No {what} {name!r}: not a valid IRI"),
    "not_a_measure": (
        "Insatsen ”{name}” är inte en av de insatser som passar organisationen ”{org}”.",
        "{name} is not among the measures of {org}",
    ),
    "what_organisation": ("Organisationen", "organisation"),
    "what_intervention": ("Insatsen", "intervention"),
    "what_evidence": ("Fyndet", "evidence entry"),
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
    # a catalogue query's form (/query/{name}): a value its parameter refuses
    "form_required": ("Fyll i ”{name}”: fältet är obligatoriskt.", "Fill in “{name}”: it is required."),
    "form_choice": ("”{value}” är inte ett av valen för ”{name}”.", "“{value}” is not one of the choices for “{name}”."),
    "form_iri": (
        "”{value}” i fältet ”{name}” är ingen IRI (en webbadress som https://…).",
        "“{value}” in “{name}” is not an IRI (an address such as https://…).",
    ),
    "form_integer": ("”{value}” i fältet ”{name}” är inget heltal.", "“{value}” in “{name}” is not a whole number."),
    "form_decimal": ("”{value}” i fältet ”{name}” är inget tal.", "“{value}” in “{name}” is not a number."),
    "form_date": ("”{value}” i fältet ”{name}” är inget datum (ÅÅÅÅ-MM-DD).", "“{value}” in “{name}” is not a date (YYYY-MM-DD)."),
    "form_language": ("”{value}” i fältet ”{name}” är ingen språkkod (som sv eller en).", "“{value}” in “{name}” is not a language tag (such as sv or en)."),
    "form_string": ("”{value}” i fältet ”{name}” är ingen giltig text.", "“{value}” in “{name}” is not valid text."),
    "explain_needs": ("Analysen explain behöver både --org och --intervention.", "explain needs --org and --intervention"),
    "entry_exists": ("Posten {iri} finns redan.", "The entry {iri} already exists."),
    "entry_not_conforming": ("Posten uppfyller inte kraven i formerna (SHACL).", "The entry does not conform to the shapes."),
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
    # the reviewed curation workflow (issue 15): people, roles, transitions, revisions
    "nobody_configured": (
        "Ingen kurator eller granskare är inställd här (MHKG_CURATORS_FILE eller MHKG_CURATORS), så inget kan skickas in eller granskas.",
        "No curator or reviewer is configured here (MHKG_CURATORS_FILE or MHKG_CURATORS), so nothing can be submitted or reviewed.",
    ),
    "role_missing": (
        "{name} har inte rollen {role} och får därför inte göra detta.",
        "{name} does not hold the role {role} and may not do this.",
    ),
    "four_eyes": (
        "Du har själv skickat in eller ändrat posten {iri}. Någon annan granskare måste godkänna och publicera den.",
        "You submitted or revised the entry {iri} yourself. Another reviewer must approve and publish it.",
    ),
    "transition_refused": (
        "Posten {iri} har status {status}; {action} går bara från {allowed}.",
        "The entry {iri} is {status}; {action} is possible only from {allowed}.",
    ),
    "etag_mismatch": (
        "Posten {iri} har ändrats sedan du läste den (If-Match {given}, nu {current}). Läs posten igen och försök på nytt.",
        "The entry {iri} has changed since you read it (If-Match {given}, now {current}). Read it again and retry.",
    ),
    "etag_required": (
        "Ange postens version med If-Match (dess ETag, från GET /api/v1/evidence/{slug}), så att ingen ändring går förlorad.",
        "Give the entry's version with If-Match (its ETag, from GET /api/v1/evidence/{slug}) so that no change is lost.",
    ),
    "reason_required": ("Ange skälet till att posten dras tillbaka.", "Give the reason for retracting the entry."),
    "status_by_review": (
        "En inskickad post är ett utkast (status:draft). Status ändras sedan genom granskning, inte i posten.",
        "A submitted entry is a draft (status:draft); its status then changes by review, not in the entry.",
    ),
    "revision_same_iri": (
        "En ny version ska beskriva samma post, {iri}.",
        "A new version must describe the same entry, {iri}.",
    ),
    "people_file": (
        "Filen med kuratorer och granskare ({origin}) kan inte läsas: {reason}",
        "The file of curators and reviewers ({origin}) cannot be read: {reason}",
    ),
    "people_name": (
        "I {origin}: {name} är inget giltigt namn (gemener, siffror och bindestreck).",
        "In {origin}: {name} is not a valid name (lowercase letters, digits and hyphens).",
    ),
    "people_roles": (
        "I {origin}: {name} ska ha minst en roll av {roles}.",
        "In {origin}: {name} needs at least one role of {roles}.",
    ),
    "people_hash": (
        "I {origin}: token_sha256 för {name} ska vara 64 hexadecimala tecken (skapa med mhkg curators token).",
        "In {origin}: the token_sha256 of {name} must be 64 hex digits (make one with mhkg curators token).",
    ),
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
    "assets_missing": (
        "Sidan behöver npm-paketet {package}, som inte är installerat i {folder}. "
        "Kör scripts/setup (det installerar paketen från npm-registret) och ladda sedan om sidan.",
        "This page needs the npm package {package}, which is not installed in {folder}. "
        "Run scripts/setup (it installs the packages from the npm registry), then reload the page.",
    ),
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


def _cells(ch: str) -> str:
    """What stands under ``ch`` in the caret line so that the caret lines up in a monospace font."""
    import unicodedata

    if ch == "\t":
        return "\t"  # a tab under a tab: the same width, whatever the tab stops
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return ""  # combining marks and invisible format characters take no cell
    return "  " if unicodedata.east_asian_width(ch) in ("W", "F") else " "


def pointer(source_line: str, line: int, column: int) -> str:
    """The offending line, numbered, and under it a caret at ``column`` (1-based, in characters).

    Tabs stay tabs in the caret line, wide characters (CJK, most emoji) count two cells and combining marks none,
    so the caret stands under the character in a monospace font (a terminal, a ``<pre>``) whatever it holds.

    >>> print(pointer("SELECT * WHERE { ?s ?p }", 1, 24))
    1 | SELECT * WHERE { ?s ?p }
      |                        ^
    >>> print(pointer("日本 ?x )", 12, 7))
    12 | 日本 ?x )
       |         ^
    """
    column = max(1, min(column, len(source_line) + 1))
    gutter = str(line)
    under = "".join(_cells(ch) for ch in source_line[: column - 1])
    return f"{gutter} | {source_line}\n{' ' * len(gutter)} | {under}^"


class Bilingual:
    """A refusal with its message in both languages: ``str()`` is English, :meth:`text` either."""

    key: str
    params: dict[str, object]

    def text(self, lang: str) -> str:
        return message(self.key, lang, **self.params)

    def pointer(self) -> str | None:
        """The offending line with a caret under the column, for a refusal that has them (a syntax error); else None."""
        source, line, column = self.params.get("source_line"), self.params.get("line"), self.params.get("column")
        if not isinstance(source, str) or not isinstance(line, int) or not isinstance(column, int):
            return None
        return pointer(source, line, column)

    def both(self) -> str:
        """English, then Swedish, then the offending line with its caret where there is one: for answers without a
        page language (the SPARQL protocol's plain text)."""
        shown = self.pointer()
        return self.text("en") + "\n" + self.text("sv") + (f"\n\n{shown}" if shown else "")
