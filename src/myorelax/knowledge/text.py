"""Text keys for names (how two spellings of one drug name are found to be the same), and the
word lists that alerts and screening summaries are written with."""

from __future__ import annotations

import re
import unicodedata


def normalize_name(text: str) -> str:
    """Lower case, accents and everything but letters and digits removed ('tiZANidine HCl' and
    'Tizanidine-HCL' give one key)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def join_and(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def join_or(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
