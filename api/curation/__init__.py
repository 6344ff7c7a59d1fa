"""Curation: submitting evidence entries, validated and written atomically (no HTTP types here)."""
