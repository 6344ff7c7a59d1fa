"""SPARQL for the public: the parse policy, the sandboxed query workers and results as data."""
