"""Suggestions while an order is typed as SIG text: drug names and brands, then the strengths
the knowledge base lists for that drug, then frequencies. Every suggestion that names a dose is
one the SIG parser accepts, so picking one never produces an order the check cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from myorelax.clinical.sig import parse_sig
from myorelax.errors import MyorelaxError
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import Terminology, normalize_name

FREQUENCIES = ("tid", "bid", "qid", "qd", "qhs", "q6h prn", "q8h prn", "once")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?(?:\s*m)?$", re.IGNORECASE)
_STRENGTH_DONE = re.compile(r"^(\d+(?:\.\d+)?\s*(?:mg|mcg|g))(?:\s+(.*))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Name:
    label: str  # as shown and inserted (e.g. "Zanaflex", "tizanidine")
    key: str  # normalised, for prefix matching
    ingredient: str
    monograph: bool


_CACHE: dict[int, tuple[KnowledgeBase, tuple[Name, ...]]] = {}


def _names(kb: KnowledgeBase) -> tuple[Name, ...]:
    """Every name to complete, monograph names first (built once per knowledge base)."""
    hit = _CACHE.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    names = _build_names(kb)
    _CACHE[id(kb)] = (kb, names)
    return names


def _build_names(kb: KnowledgeBase) -> tuple[Name, ...]:
    out: dict[str, Name] = {}

    def add(label: str, ingredient: str, monograph: bool) -> None:
        key = normalize_name(label)
        if key and key not in out:
            out[key] = Name(label, key, ingredient, monograph)

    for drug in sorted(kb.drugs.values(), key=lambda d: d.id):
        add(drug.id, drug.id, True)
    for drug in sorted(kb.drugs.values(), key=lambda d: d.id):
        for brand in (*drug.names.brands, *(b for p in drug.products for b in p.brands)):
            add(brand, drug.id, True)
    for group in sorted(kb.groups.values(), key=lambda g: g.id):
        for member in group.members:
            add(member.name, member.name, member.name in kb.drugs)
    return tuple(out.values())


def _strengths(drug: Monograph) -> list[str]:
    """Oral solid-dose strengths first (what is typed most), then the others; unique."""
    seen: dict[str, None] = {}
    for oral in (True, False):
        for p in drug.products:
            if (p.route == "oral") != oral:
                continue
            for a in p.strengths:
                if a.value is not None and a.unit in ("mg", "mcg", "g"):
                    seen.setdefault(f"{a.value:g} {a.unit}", None)
    return list(seen)


def _valid(text: str) -> bool:
    try:
        parse_sig(text, field="sig")
    except MyorelaxError:
        return False
    return True


def suggest_sig(kb: KnowledgeBase, term: Terminology, text: str, *, limit: int = 8) -> list[str]:
    """Completions of `text` (an order being typed): names, then name + strength, then a full
    SIG with a frequency. Unknown text gets the closest known names."""
    typed = " ".join(text.split())
    if not typed:
        return []
    key = normalize_name(typed)
    low = typed.lower()
    names = _names(kb)
    # The longest known name the text starts with, followed by a space: the name is done.
    done = [
        n
        for n in names
        if low.startswith(n.label.lower() + " ") or (low == n.label.lower() and text[-1] == " ")
    ]
    if not done:
        starts = [n for n in names if n.key.startswith(key)]
        starts.sort(key=lambda n: (not n.monograph, len(n.key)))
        labels = [n.label for n in starts]
        if not labels:
            labels = [s.split(" (")[0] for s in term.suggest(typed, limit=limit)]
        return list(dict.fromkeys(labels))[:limit]
    name = max(done, key=lambda n: len(n.key))
    head = typed[: len(name.label)]
    rest = typed[len(head) :].strip()
    if name.ingredient not in kb.drugs:
        return []  # a co-medication: its strengths are not in the knowledge base
    drug = kb.drugs[name.ingredient]
    strength_done = _STRENGTH_DONE.match(rest)
    if strength_done is None:
        if rest and not _NUMBER.match(rest):
            return []
        number = rest.split()[0] if rest else ""
        wanted = [s for s in _strengths(drug) if s.startswith(number + " ") or not number]
        if number and not wanted:
            wanted = [s for s in _strengths(drug) if s.startswith(number)]
        return [f"{head} {s}" for s in wanted][:limit]
    strength, freq = strength_done.group(1), (strength_done.group(2) or "").strip().lower()
    out = [f"{head} {strength} {f}" for f in FREQUENCIES if f.startswith(freq) and f != freq]
    return [s for s in out if _valid(s)][:limit]
