"""The service's routers, one per concern: SPARQL protocol, REST API, linked data, curation and pages."""
