"""The one medication resolver: what people type and what EHRs send, to ingredients.

`Terminology.resolve` names one ingredient: generics, brands, salts, spacing, Tall Man lettering
and RxCUIs of the knowledge base's monographs and class members. Exact forms resolve (case,
hyphens and spaces ignored: "Pain-O-Soma", "PainOSoma", "tiZANidine"); strength and form words
are dropped ("Soma 350", "baclofen 10 mg tablet"); salt words are dropped ("dantrolene sodium").

`Terminology.resolve_medication` resolves a product to every ingredient it contains, each with
its strength where the name gives it: a brand of a combination product ("Percocet", "Yaz"), an
RxNorm clinical or branded drug name, pack or component ("acetaminophen 325 MG / oxycodone
hydrochloride 5 MG Oral Tablet [Percocet]"), an RxCUI at any term type, or an ingredient that
RxNorm knows and the knowledge base does not (it takes part in no rule, and is reported as
such). It uses the knowledge base's own names first, then the product index shipped with the
package (`knowledge/products.py`), then any further index the caller supplies (a loaded RxNorm
release). Anything else is an `UnknownDrugError` carrying the closest known names (rapidfuzz),
so a typo gets "did you mean ...?" and never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from myorelax.errors import InputError, UnknownDrugError
from myorelax.knowledge import release
from myorelax.knowledge.loader import load_knowledge, load_products
from myorelax.knowledge.products import Product, ProductIndex
from myorelax.knowledge.rxnames import SALT_WORDS, NameComponent, ParsedName, parse_rxnorm_name
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.text import normalize_name as normalize_name

MatchKind = Literal[
    "id", "name", "brand", "salt", "synonym", "rxcui", "member", "product", "ingredient", "ndc"
]

# Words that follow an ingredient's name in free text and in RxNorm names: the salts RxNorm
# names use (one list, rxnames.SALT_WORDS: 'oxycodone terephthalate' is oxycodone) and, for free
# text, the cations and forms written after a name ('naproxen sodium', 'liposomal').
# Anions whose salts with a cation are ingredients themselves ('potassium chloride', 'calcium
# carbonate') are not stripped from free text.
_SALT_WORDS = (
    SALT_WORDS - {"chloride", "carbonate", "oxide", "hydroxide", "nitrate", "lactate", "gluconate"}
) | frozenset(
    """sodium potassium calcium magnesium dipotassium disodium diacetate valerate
    liposomal""".split()
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
    """The ingredient RxCUI; empty for an ingredient met only in products and for a class
    member known by name only (its code not confirmed): such an ingredient is never found by
    a code."""
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


# RxNorm strength units as the unit registry writes them; other units (UNT, MEQ, ...) carry no
# dose the rules can use.
_RXNORM_UNITS = {
    "MG": "mg",
    "MCG": "mcg",
    "G": "g",
    "MG/ML": "mg/mL",
    "MCG/ML": "mcg/mL",
    "MG/HR": "mg/h",
    "MCG/HR": "mcg/h",
    "MG/ACTUAT": "mg",
    "MCG/ACTUAT": "mcg",
}


class MatchedIngredient(BaseModel):
    """One ingredient of a resolved medication, with its strength when the product gives it."""

    model_config = ConfigDict(frozen=True)

    ingredient: Ingredient
    written: str
    strength: float | None = None
    unit: str | None = None

    @property
    def key(self) -> tuple[str, float | None, str | None]:
        return (self.ingredient.id, self.strength, self.unit)


T = TypeVar("T")


class MedicationMatch(BaseModel):
    """What a medication text or code resolved to: every ingredient, and how it was found."""

    model_config = ConfigDict(frozen=True)

    query: str
    how: MatchKind
    matched: str
    ingredients: tuple[MatchedIngredient, ...]
    rxcui: str | None = None
    product: str | None = None
    variants: tuple[tuple[MatchedIngredient, ...], ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def combination(self) -> bool:
        return len(self.ingredients) > 1


class ProductSource(Protocol):
    """A product index the resolver can consult: the shipped one, or a loaded RxNorm release."""

    def by_rxcui(self, code: str) -> list[Product]: ...
    def by_name(self, text: str) -> list[Product]: ...
    def by_brand(self, text: str) -> list[Product]: ...
    def by_ndc(self, code: str) -> list[Product]: ...


def _monograph_product_rows(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """The knowledge base's own combination products, as RxNorm-style names under each brand
    ('orphenadrine 50 MG / aspirin 770 MG / caffeine 60 MG [Norgesic Forte]'), so a brand of a
    combination resolves to every ingredient with its strength, whatever the index says."""
    rows = []
    for drug in kb.drugs.values():
        for p in drug.products:
            if not p.also_contains or len(p.strengths) != 1:
                continue
            own = p.strengths[0]
            parts = [f"{drug.id} {own.value:g} {own.unit.upper()}"]
            parts += [
                f"{c.name} {c.strength.value:g} {c.strength.unit.upper()}" for c in p.also_contains
            ]
            for brand in p.brands:
                rows.append(("", f"{' / '.join(parts)} [{brand}]", p.source or "knowledge"))
    return rows


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,/()]+", text.strip().lower()) if w]


class Terminology:
    """Name index over the monographs and every class member of a knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        products: ProductIndex | Callable[[], ProductIndex] | None = None,
        extra: Sequence[ProductSource] = (),
        extra_loader: Callable[[], Sequence[ProductSource]] | None = None,
    ) -> None:
        self._kb = kb
        self._products_source = products
        self._products: ProductIndex | None = (
            products if isinstance(products, ProductIndex) else None
        )
        self._extra = tuple(extra)
        self._extra_loader: Callable[[], Sequence[ProductSource]] | None = extra_loader
        self._unlisted: dict[str, Ingredient] = {}
        self._medication_cache: dict[str, MedicationMatch | UnknownDrugError] = {}
        self._shipped_only = False
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
                # A member known by name only has the empty code (as an ingredient met only in
                # products): found by name, brand and synonym, never by a code.
                rxcui_of.setdefault(m.name, m.rxcui or "")
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
            if ing.rxcui:
                self._by_rxcui.setdefault(ing.rxcui, ing.id)
        self._keys = list(self._by_key)
        self._kb_products = ProductIndex(_monograph_product_rows(kb))

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

    @property
    def products(self) -> ProductIndex:
        """The product index (loaded on first use: most checks never need it)."""
        if self._products is None:
            source = self._products_source
            self._products = source() if callable(source) else ProductIndex(())
        return self._products

    def with_extra(self, *sources: ProductSource) -> Terminology:
        """This terminology with further product indexes (a loaded RxNorm release)."""
        return Terminology(
            self._kb, self._products or self._products_source, (*self._extra, *sources)
        )

    def ingredient(self, ingredient_id: str) -> Ingredient:
        """A known ingredient by id; an ingredient met only in a product is listed with no
        class and no rule."""
        found = self._ingredients.get(ingredient_id) or self._unlisted.get(ingredient_id)
        if found is None:
            found = self._unlisted_ingredient(ingredient_id, ingredient_id)
        return found

    def _unlisted_ingredient(self, ingredient_id: str, name: str) -> Ingredient:
        ing = self._unlisted.get(ingredient_id)
        if ing is None:
            ing = Ingredient(
                id=ingredient_id, name=name, rxcui="", has_monograph=False, groups=(), flags=()
            )
            self._unlisted[ingredient_id] = ing
        return ing

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

    def _kb_hit(self, query: str) -> tuple[str, str, MatchKind] | None:
        for candidate in self._candidates(query):
            hit = self._by_key.get(normalize_name(candidate))
            if hit:
                return hit
        return None

    # -- products --------------------------------------------------------------------------
    def component_ingredient(self, written: str) -> Ingredient | None:
        """The ingredient a product's component names ('oxycodone hydrochloride', 'aspirin'):
        the knowledge base's, or one met only in products (with no class and no rule)."""
        written = self.products.expand(written)
        hit = self._kb_hit(written)
        if hit is not None:
            return self._ingredients[hit[0]]
        names = self.products.ingredient_names()
        key = normalize_name(written)
        if key not in names:
            return None
        words = written.lower().split()
        base = words
        while len(base) > 1 and base[-1] in _SALT_WORDS:
            base = base[:-1]
        if base != words and normalize_name(" ".join(base)) in names:
            words = base
        ingredient_id = " ".join(words)
        return self._unlisted_ingredient(ingredient_id, ingredient_id)

    def product_codes(self, ingredient_rxcuis: Iterable[str]) -> list[tuple[str, str]]:
        """(product RxCUI, ingredient RxCUI) for every product of the shipped index that holds
        one of `ingredient_rxcuis`: how a product code (a clinical or branded drug, pack or
        component) maps to the ingredients the rules are about."""
        wanted = set(ingredient_rxcuis)
        seen: dict[str, str | None] = {}
        out: set[tuple[str, str]] = set()
        for rxcui, names in self.products.rxcuis_with_components():
            for name in names:
                if name not in seen:
                    ing = self.component_ingredient(name)
                    own = ing.rxcui if ing is not None else ""
                    seen[name] = own if own and own in wanted else None
                code = seen[name]
                if code is not None and rxcui != code:
                    out.add((rxcui, code))
        return sorted(out)

    def matched_component(self, c: NameComponent) -> MatchedIngredient | None:
        """A product name's component as an ingredient with its strength (RxNorm units read),
        or None when the component is not an ingredient known here."""
        ing = self.component_ingredient(c.name)
        if ing is None:
            return None
        unit = _RXNORM_UNITS.get((c.unit or "").upper()) if c.unit else None
        strength = c.value if unit else None
        return MatchedIngredient(ingredient=ing, written=c.name, strength=strength, unit=unit)

    def _from_products(
        self, query: str, products: Sequence[Product], how: MatchKind, matched: str
    ) -> MedicationMatch | None:
        variants: list[tuple[MatchedIngredient, ...]] = []
        union: dict[str, MatchedIngredient] = {}
        unresolved: list[str] = []
        for product in products:
            comps: list[MatchedIngredient] = []
            for c in product.components:
                m = self.matched_component(c)
                if m is None:
                    if c.name not in unresolved:
                        unresolved.append(c.name)
                    continue
                if all(x.ingredient.id != m.ingredient.id for x in comps):
                    comps.append(m)
            if not comps:
                continue
            variant = tuple(comps)
            if all(tuple(x.key for x in v) != tuple(x.key for x in variant) for v in variants):
                variants.append(variant)
            for m in comps:
                union.setdefault(m.ingredient.id, m)
        if not union:
            return None
        with_strength = [v for v in variants if all(m.strength is not None for m in v)]
        ids_of = [frozenset(m.ingredient.id for m in v) for v in variants]
        if len(with_strength) == 1 and all(
            i <= frozenset(m.ingredient.id for m in with_strength[0]) for i in ids_of
        ):
            # One strength, named with and without it (an SBD and its dose form group).
            variants = with_strength
        if len(variants) == 1:
            ingredients = variants[0]
        else:
            ingredients = tuple(
                MatchedIngredient(ingredient=m.ingredient, written=m.written)
                for m in union.values()
            )
        single = len(products) == 1 or len({p.rxcui for p in products}) == 1
        return MedicationMatch(
            query=query,
            how=how,
            matched=matched,
            ingredients=ingredients,
            rxcui=products[0].rxcui if single else None,
            product=products[0].name if single else None,
            variants=tuple(with_strength) if len(variants) > 1 else (),
            unresolved=tuple(unresolved),
        )

    def _single(self, query: str, hit: tuple[str, str, MatchKind]) -> MedicationMatch:
        ingredient_id, matched, how = hit
        ing = self._ingredients[ingredient_id]
        return MedicationMatch(
            query=query,
            how=how,
            matched=matched,
            ingredients=(MatchedIngredient(ingredient=ing, written=matched),),
        )

    def _sources(self) -> Iterator[ProductSource]:
        """The product sources in order: the knowledge base's combination products, the shipped
        index, then further sources (a loaded RxNorm release), the last loaded only when the
        others did not answer, and never inside `shipped_first`'s first pass."""
        yield self._kb_products
        yield self.products
        if self._shipped_only:
            return
        yield from self._extra
        if self._extra_loader is not None:
            loader, self._extra_loader = self._extra_loader, None
            self._extra = (*self._extra, *loader())
            yield from self._extra

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base this terminology reads."""
        return self._kb

    @property
    def has_release(self) -> bool:
        return bool(self._extra) or self._extra_loader is not None

    def shipped_first(self, resolve: Callable[[], T]) -> T:
        """Run `resolve` against the knowledge base and the shipped index; only if it finds
        nothing, again with a loaded release (a release costs a database connection, and its
        names must not win over the shipped ones while a line is being read)."""
        if self._shipped_only or not self.has_release:
            return resolve()
        self._shipped_only = True
        try:
            return resolve()
        except UnknownDrugError:
            pass
        finally:
            self._shipped_only = False
        return resolve()

    def resolve_code(
        self, code: str, *, field: str = "drug", display: str | None = None
    ) -> MedicationMatch:
        """An RxCUI at any term type (ingredient, product, pack, component, brand)."""
        query = code.strip()
        if not query:
            # The empty code is what an ingredient without a confirmed RxCUI (and the knowledge
            # base's own combination products) carry: it names nothing.
            raise UnknownDrugError(display or code, (), field=field)
        found = self._by_rxcui.get(query)
        if found:
            ing = self._ingredients[found]
            return MedicationMatch(
                query=query,
                how="rxcui",
                matched=query,
                ingredients=(MatchedIngredient(ingredient=ing, written=ing.name),),
                rxcui=query,
            )
        for source in self._sources():
            products = source.by_rxcui(query)
            if products:
                match = self._from_products(query, products[:1], "rxcui", query)
                if match is None and products[0].kind == "name":
                    try:
                        named = self.resolve_medication(products[0].name, field=field)
                    except UnknownDrugError:
                        named = None
                    if named is not None:
                        match = named.model_copy(update={"how": "rxcui", "rxcui": query})
                if match is not None:
                    return match
        hint = (
            f"RxCUI {query} is not in the product index; load an RxNorm release "
            "(myorelax terminology load-rxnorm) to resolve every product"
        )
        raise UnknownDrugError(display or query, (), field=field, detail=hint)

    def resolve_ndc(self, code: str, *, field: str = "drug") -> MedicationMatch:
        """A National Drug Code, where a loaded RxNorm release has it."""
        for source in self._sources():
            products = source.by_ndc(code)
            if products:
                match = self._from_products(code, products[:1], "ndc", code)
                if match is not None:
                    return match
        raise UnknownDrugError(
            code,
            (),
            field=field,
            detail=f"NDC {code} is known only to a loaded RxNorm release (none has it)",
        )

    def resolve_medication(self, text: str, *, field: str = "drug") -> MedicationMatch:
        """Every ingredient `text` names: an ingredient, a brand (of a combination product too),
        an RxNorm product name or an RxCUI; raise UnknownDrugError with suggestions otherwise."""
        return self.shipped_first(lambda: self._resolve_cached(text, field))

    def _resolve_cached(self, text: str, field: str) -> MedicationMatch:
        query = text.strip()
        key = normalize_name(query)
        cached = self._medication_cache.get(key)
        if cached is None:
            try:
                cached = self._resolve_medication(query, field)
            except UnknownDrugError as exc:
                if self._shipped_only:
                    raise  # a miss of the first pass only: the release may still know it
                cached = exc
            self._medication_cache[key] = cached
        if isinstance(cached, UnknownDrugError):
            raise UnknownDrugError(text, cached.suggestions, field=field, detail=cached.detail)
        return cached.model_copy(update={"query": text})

    def _resolve_medication(self, query: str, field: str) -> MedicationMatch:
        if not query:
            raise UnknownDrugError(query, (), field=field)
        if query.isdigit():
            return self.resolve_code(query, field=field)
        exact = self._by_key.get(normalize_name(query))
        if exact is not None and exact[2] != "brand":
            return self._single(query, exact)
        # A product's full name (an RxNorm clinical or branded drug, pack or component). A
        # dose form group or bare name ('Amrix Pill') waits until brands have been tried.
        loose: list[Product] = []
        for source in self._sources():
            products = source.by_name(query)
            specific = [p for p in products if p.kind in ("drug", "component", "pack")]
            if specific:
                match = self._from_products(query, specific, "product", specific[0].name)
                if match is not None:
                    return match
            loose += [p for p in products if p not in specific]
        candidates = list(dict.fromkeys(self._candidates(query)))
        brand = self._brand(query, [query])
        if brand is not None:
            return brand
        parsed = parse_rxnorm_name(query)
        if parsed is not None and any(c.value is not None for c in parsed.components):
            named = self._parsed_product(query, parsed)
            if named is not None:
                return named
        hit = self._kb_hit(query)
        if hit is not None and hit[2] != "brand":
            return self._single(query, hit)
        brand = self._brand(query, candidates[1:])
        if brand is not None:
            return brand
        if hit is not None:
            return self._single(query, hit)
        if loose:
            match = self._from_products(query, loose, "product", loose[0].name)
            if match is not None:
                return match
        if parsed is not None:
            named = self._parsed_product(query, parsed)
            if named is not None:
                return named
        for candidate in candidates:
            ing = self.component_ingredient(candidate)
            if ing is not None:
                return MedicationMatch(
                    query=query,
                    how="ingredient",
                    matched=candidate,
                    ingredients=(MatchedIngredient(ingredient=ing, written=candidate),),
                )
        raise UnknownDrugError(query, self.suggest(query, products=True), field=field)

    def _brand(self, query: str, candidates: Sequence[str]) -> MedicationMatch | None:
        for source in self._sources():
            for candidate in candidates:
                products = source.by_brand(candidate)
                if products:
                    brand = products[0].brand or candidate
                    match = self._from_products(query, products, "brand", brand)
                    if match is not None:
                        return match
        return None

    def _parsed_product(self, query: str, parsed: ParsedName) -> MedicationMatch | None:
        """A product name not in any index, read by the RxNorm name grammar."""
        comps = [self.matched_component(c) for c in parsed.components]
        known = tuple(m for m in comps if m is not None)
        if not known:
            return None
        return MedicationMatch(
            query=query,
            how="product",
            matched=query,
            ingredients=known,
            product=query if len(known) == len(comps) else None,
            unresolved=tuple(
                c.name for c, m in zip(parsed.components, comps, strict=True) if m is None
            ),
        )

    def _candidates(self, query: str) -> Iterable[str]:
        yield query
        words = _words(query)
        no_strength = [w for w in words if not _NUMBER.match(w) and w not in _FORM_WORDS]
        yield " ".join(no_strength)
        yield " ".join(w for w in no_strength if w not in _SALT_WORDS)

    def _product_keys(self) -> dict[str, str]:
        keys = getattr(self, "_product_key_cache", None)
        if keys is None:
            keys = {**self.products.brand_names(), **self.products.ingredient_names()}
            self._product_key_cache: dict[str, str] = keys
        return keys

    def suggest(self, text: str, limit: int = 3, *, products: bool = False) -> list[str]:
        """The closest known names (monograph names first on ties); with `products`, brands and
        ingredients of the product index as well."""
        words = [w for w in _words(text) if not _NUMBER.match(w) and w not in _FORM_WORDS]
        key = normalize_name(" ".join(words) or text)
        if not key:
            return []
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, limit=12, score_cutoff=72)
        if products and not hits:
            names = self._product_keys()
            more = process.extract(
                key, list(names), scorer=fuzz.ratio, limit=limit, score_cutoff=80
            )
            return list(dict.fromkeys(names[k] for k, _s, _ in more))
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


def default_terminology() -> Terminology:
    """The terminology of the knowledge base in use (the site's folder, `MYORELAX_KNOWLEDGE_DIR`,
    or the packaged one), its product index and, when a driver has said where one is
    (`knowledge.release`), a loaded RxNorm release (consulted only for what the rest lacks)."""
    return terminology_for(load_knowledge())


def terminology_for(kb: KnowledgeBase) -> Terminology:
    """The terminology of `kb` (one per knowledge base object, built once)."""
    found = _TERMINOLOGIES.get(id(kb))
    if found is None or found[0] is not kb:
        found = (kb, Terminology(kb, load_products, extra_loader=release.loader()))
        _TERMINOLOGIES[id(kb)] = found
    return found[1]


_TERMINOLOGIES: dict[int, tuple[KnowledgeBase, Terminology]] = {}


def resolve_drug(text: str, *, field: str = "drug") -> Resolution:
    """Resolve `text` against the packaged knowledge base."""
    return default_terminology().resolve(text, field=field)


_CONDITION_QUALIFIERS = frozenset(
    """chronic acute mild moderate severe history of h/o hx known suspected recurrent
    bilateral left right primary secondary s/p pmh""".split()
)


_POSSESSIVE = re.compile(r"['\u2019]s\b")
# A trailing parenthesis of a problem-list entry ('Dementia (HCC)', '(CMS-HCC)', '(disorder)').
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def condition_candidates(query: str) -> list[str]:
    """The ways a condition may be written, most literal first: as given; without qualifiers
    ('chronic', 'history of'); without an EHR's trailing parenthesis ('Myasthenia gravis
    (HCC)'); the part before a comma ('Chronic kidney disease, stage 3b') or before 'with'
    ('Heart failure with reduced ejection fraction'): each tried only if the ones before it
    name no condition known here."""

    def plain(text: str) -> str:
        words = re.split(r"[\s,;]+", text.lower())
        return " ".join(w for w in words if w not in _CONDITION_QUALIFIERS)

    bare = query
    while _TRAILING_PARENTHESIS.search(bare) and _TRAILING_PARENTHESIS.sub("", bare):
        bare = _TRAILING_PARENTHESIS.sub("", bare)
    heads = [bare.split(",")[0], re.split(r"\s+with\s+", bare, flags=re.IGNORECASE)[0]]
    # A possessive eponym without its "'s" ("Parkinson's disease" is Parkinson disease).
    eponym = _POSSESSIVE.sub("", query)
    out = [query, plain(query), eponym, plain(eponym), bare, plain(bare)]
    out += [h for head in heads for h in (head, plain(head))]
    return list(dict.fromkeys(c for c in out if c.strip()))


def _condition_index(kb: KnowledgeBase) -> dict[str, str]:
    index: dict[str, str] = {}
    for c in kb.conditions.values():
        for label in (c.id, c.name, *c.synonyms):
            index.setdefault(normalize_name(label), c.id)
    return index


def resolve_condition(
    text: str, kb: KnowledgeBase | None = None, *, field: str = "condition"
) -> str:
    """A condition id from its id, name, a synonym, a SNOMED CT or ICD-10-CM code (case,
    punctuation and qualifiers such as 'chronic' or 'history of' ignored); an unknown condition
    is an InputError listing the closest known ones."""
    kb = kb or load_knowledge()
    index = _condition_index(kb)
    query = text.strip()
    code = condition_by_code(query, kb)
    if code is not None:
        return code
    for candidate in condition_candidates(query):
        key = normalize_name(candidate)
        if key in index:
            return index[key]
    names = condition_suggestions(text, kb)
    hint = f"; did you mean {' or '.join(names)}?" if names else ""
    raise InputError(f"unknown condition {text!r}{hint}", field=field)


def condition_suggestions(text: str, kb: KnowledgeBase | None = None) -> list[str]:
    """The closest condition names to `text` (for 'did you mean')."""
    kb = kb or load_knowledge()
    index = _condition_index(kb)
    hits = process.extract(
        normalize_name(text), list(index), scorer=fuzz.ratio, limit=3, score_cutoff=75
    )
    return list(dict.fromkeys(kb.conditions[index[h[0]]].name for h in hits))


def icd10_key(code: str) -> str:
    """An ICD-10 code as compared here: upper case, dots and spaces removed."""
    return code.replace(".", "").replace(" ", "").upper()


def condition_by_code(code: str, kb: KnowledgeBase | None = None) -> str | None:
    """The condition a SNOMED CT concept id or an ICD-10(-CM) code names (the longest ICD-10
    prefix in the knowledge base wins), or None."""
    kb = kb or load_knowledge()
    text = code.strip()
    if text.isdigit():
        for c in kb.conditions.values():
            if text in c.snomed:
                return c.id
        return None
    key = icd10_key(text)
    if not re.fullmatch(r"[A-Z][0-9][0-9A-Z]{0,5}", key):
        return None
    best: tuple[int, str] | None = None
    for c in kb.conditions.values():
        for prefix in c.icd10:
            p = icd10_key(prefix)
            if key.startswith(p) and (best is None or len(p) > best[0]):
                best = (len(p), c.id)
    return best[1] if best else None
