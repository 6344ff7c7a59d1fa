"""The HTTP service: SPARQL 1.1 endpoint, REST API, linked-data IRIs and the committees' pages."""
