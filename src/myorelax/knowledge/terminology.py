"""Resolve what people type to an ingredient: generics, brands, salts, spacing, RxCUIs, typos.

Exact forms resolve (case, hyphens and spaces ignored: "Pain-O-Soma", "PainOSoma"); strength and
form words are dropped ("Soma 350", "baclofen 10 mg tablet"); salt words are dropped
("dantrolene sodium"); a bare number is an RxCUI. Anything else is an `UnknownDrugError` carrying
the closest known names (rapidfuzz), so a typo gets "did you mean ...?" and never a silent guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from myorelax.errors import InputError, UnknownDrugError
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase

MatchKind = Literal["id", "name", "brand", "salt", "synonym", "rxcui", "member"]

_SALT_WORDS = frozenset(
    """hydrochloride hcl sodium citrate maleate sulfate sulphate mesylate tartrate bitartrate
    succinate besylate potassium calcium phosphate acetate fumarate bromide dihydrate monohydrate
    hydrobromide magnesium""".split()
)
_FORM_WORDS = frozenset(
    """mg mcg g ml milligram milligrams tab tabs tablet tablets cap caps capsule capsules oral
    solution suspension granules injection er xr ir sr extended immediate release po""".split()
)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?(?:mg|mcg|g|ml)?$")


class Ingredient(BaseModel):
    """An ingredient the system knows: a monograph, or a member of a drug class."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    rxcui: str
    has_monograph: bool
    groups: tuple[str, ...]
    flags: tuple[str, ...]


class Resolution(BaseModel):
    """How a text resolved: to which ingredient, through which kind of name."""

    model_config = ConfigDict(frozen=True)

    query: str
    ingredient: Ingredient
    matched: str
    how: MatchKind


def normalize_name(text: str) -> str:
    """Lower case, accents and everything but letters and digits removed."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,/()]+", text.strip().lower()) if w]


class Terminology:
    """Name index over the monographs and every class member of a knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._ingredients: dict[str, Ingredient] = {}
        self._by_key: dict[str, tuple[str, str, MatchKind]] = {}
        self._by_rxcui: dict[str, str] = {}
        groups_of: dict[str, list[str]] = {}
        flags_of: dict[str, set[str]] = {}
        rxcui_of: dict[str, str] = {}
        for group in kb.groups.values():
            for m in group.members:
                groups_of.setdefault(m.name, []).append(group.id)
                flags_of.setdefault(m.name, set()).update(m.flags, group.flags)
                rxcui_of.setdefault(m.name, m.rxcui)
        for drug in kb.drugs.values():
            self._ingredients[drug.id] = Ingredient(
                id=drug.id,
                name=drug.name,
                rxcui=drug.identifiers.rxcui.value,
                has_monograph=True,
                groups=tuple(sorted(set(groups_of.get(drug.id, [])) | set(drug.classes))),
                flags=tuple(sorted(flags_of.get(drug.id, set()))),
            )
            self._add(drug.id, drug.id, "id")
            self._add(drug.name, drug.id, "name")
            for brand in drug.names.brands:
                self._add(brand, drug.id, "brand")
            for salt in drug.names.salts:
                self._add(salt, drug.id, "salt")
            for syn in drug.names.synonyms:
                self._add(syn, drug.id, "synonym")
        for group in kb.groups.values():
            for m in group.members:
                if m.name not in self._ingredients:
                    self._ingredients[m.name] = Ingredient(
                        id=m.name,
                        name=m.name,
                        rxcui=rxcui_of[m.name],
                        has_monograph=False,
                        groups=tuple(sorted(set(groups_of[m.name]))),
                        flags=tuple(sorted(flags_of[m.name])),
                    )
                self._add(m.name, m.name, "member")
                for brand in m.brands:
                    self._add(brand, m.name, "brand")
                for syn in m.synonyms:
                    self._add(syn, m.name, "synonym")
        for ing in self._ingredients.values():
            self._by_rxcui.setdefault(ing.rxcui, ing.id)
        self._keys = list(self._by_key)

    def _add(self, text: str, ingredient_id: str, how: MatchKind) -> None:
        key = normalize_name(text)
        if not key:
            return
        # First come, first kept: monographs are indexed before class members, so a drug's own
        # names win over a member's brand that happens to collide.
        if key not in self._by_key:
            self._by_key[key] = (ingredient_id, text, how)

    @property
    def ingredients(self) -> dict[str, Ingredient]:
        return dict(self._ingredients)

    def ingredient(self, ingredient_id: str) -> Ingredient:
        return self._ingredients[ingredient_id]

    def resolve(self, text: str, *, field: str = "drug") -> Resolution:
        """The ingredient `text` names; raise UnknownDrugError with suggestions otherwise."""
        query = text.strip()
        if not query:
            raise UnknownDrugError(text, (), field=field)
        if query.isdigit():
            found = self._by_rxcui.get(query)
            if found:
                return Resolution(
                    query=text, ingredient=self._ingredients[found], matched=query, how="rxcui"
                )
            raise UnknownDrugError(text, (), field=field)
        for candidate in self._candidates(query):
            hit = self._by_key.get(normalize_name(candidate))
            if hit:
                ingredient_id, matched, how = hit
                return Resolution(
                    query=text,
                    ingredient=self._ingredients[ingredient_id],
                    matched=matched,
                    how=how,
                )
        raise UnknownDrugError(text, self.suggest(query), field=field)

    def _candidates(self, query: str) -> Iterable[str]:
        yield query
        words = _words(query)
        no_strength = [w for w in words if not _NUMBER.match(w) and w not in _FORM_WORDS]
        yield " ".join(no_strength)
        yield " ".join(w for w in no_strength if w not in _SALT_WORDS)

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """The closest known names (monograph names first on ties)."""
        words = [w for w in _words(text) if not _NUMBER.match(w) and w not in _FORM_WORDS]
        key = normalize_name(" ".join(words) or text)
        if not key:
            return []
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, limit=12, score_cutoff=72)
        out: list[str] = []
        for hit_key, _score, _ in hits:
            ingredient_id, matched, _how = self._by_key[hit_key]
            label = matched if matched.lower() == ingredient_id else f"{matched} ({ingredient_id})"
            if ingredient_id == normalize_name(matched) or matched.lower() == ingredient_id:
                label = ingredient_id
            if label not in out:
                out.append(label)
            if len(out) == limit:
                break
        return out


@lru_cache(maxsize=1)
def default_terminology() -> Terminology:
    """The terminology of the packaged knowledge base."""
    return Terminology(load_knowledge())


def resolve_drug(text: str, *, field: str = "drug") -> Resolution:
    """Resolve `text` against the packaged knowledge base."""
    return default_terminology().resolve(text, field=field)


def resolve_condition(
    text: str, kb: KnowledgeBase | None = None, *, field: str = "condition"
) -> str:
    """A condition id from its id, name or a synonym (case and punctuation ignored); an unknown
    condition is an InputError listing the closest known ones."""
    kb = kb or load_knowledge()
    key = normalize_name(text)
    index: dict[str, str] = {}
    for c in kb.conditions.values():
        for label in (c.id, c.name, *c.synonyms):
            index.setdefault(normalize_name(label), c.id)
    if key in index:
        return index[key]
    hits = process.extract(key, list(index), scorer=fuzz.ratio, limit=3, score_cutoff=60)
    names = list(dict.fromkeys(index[h[0]] for h in hits))
    hint = f"; did you mean {' or '.join(names)}?" if names else ""
    raise InputError(f"unknown condition {text!r}{hint}", field=field)
