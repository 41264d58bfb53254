"""Text keys for names: how two spellings of one drug name are found to be the same."""

from __future__ import annotations

import re
import unicodedata


def normalize_name(text: str) -> str:
    """Lower case, accents and everything but letters and digits removed ('tiZANidine HCl' and
    'Tizanidine-HCL' give one key)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())
