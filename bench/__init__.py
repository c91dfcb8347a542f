"""Rulecraft's benchmark: generated rule packs over FA-KES text, against spaCy and naive regex."""
