"""The knowledge: loading the Turtle sources, building the release, reasoning with HermiT, QC and statistics."""
