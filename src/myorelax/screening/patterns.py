"""The screening patterns, derived from the knowledge base (no I/O, no engine).

Each pattern carries the stable code of the safety rule it screens for, and every ingredient
set and threshold comes from the knowledge base: class membership from the drug-class value
sets (`data/groups/*.yaml`), interaction partners from the monographs' interaction knowledge
(classified by `myorelax.safety.checks.interactions.code_for`, the same function that codes the
check's alerts), the carisoprodol duration limit from its label's `max_duration`, the eGFR
threshold and the dialysis statement from baclofen's renal adjustments, and the Beers age from
the safety check. The engines turn these definitions into SQL (`screening.sql`).

A pattern is a set of conditions that must hold on the same day for a person ("concurrent"), or
one drug taken continuously for longer than a limit ("long course"). A condition is either a
drug set (the days someone is exposed to any of its ingredients) or a state: 65 or older, the
latest eGFR below the threshold, on dialysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from myorelax.errors import InputError, KnowledgeError
from myorelax.frozen import Frozen
from myorelax.knowledge.schema import Cited, Ingredients, KnowledgeBase, Monograph, Trigger
from myorelax.knowledge.terminology import Ingredient, Terminology
from myorelax.knowledge.text import join_and, join_or
from myorelax.safety.checks.duplication import GROUP as RELAXANT_GROUP
from myorelax.safety.checks.interactions import code_for
from myorelax.units import convert

OPIOID_GROUP = "opioids"
BENZODIAZEPINE_GROUP = "benzodiazepines"
CYP1A2_INHIBITOR_FLAG = "cyp1a2_inhibitor"
MAOI_GROUP = "maois"
DDI_CNS_CODE = "MRX-DDI-003"
BEERS_COMBINATION_CODE = "MRX-BEERS-004"
BEERS_CNS_CODE = "MRX-BEERS-003"
CNS_SET = "cns_active"
OPIOID_PARTNERS = "opioid_cns_partners"

AGE_STATE = "age_beers"
EGFR_STATE = "egfr_low"
DIALYSIS_STATE = "dialysis"
STATES = (AGE_STATE, EGFR_STATE, DIALYSIS_STATE)


class Citation(Frozen):
    """A source from the knowledge base's citation registry."""

    source: str
    title: str
    url: str
    section: str | None = None


class DrugSet(Frozen):
    """A value set of ingredients: exposure to any of them counts as exposure to the set."""

    key: str
    label: str
    ingredients: tuple[Ingredient, ...]

    @property
    def rxcuis(self) -> tuple[str, ...]:
        return tuple(sorted({i.rxcui for i in self.ingredients}, key=int))


class Pattern(Frozen):
    """One screening pattern with the code of the safety rule it screens for."""

    code: str
    name: str
    summary: str
    kind: Literal["concurrent", "long_course", "distinct"]
    """concurrent: at least `min_active` of `sets` (and every `required` one) on the same day;
    long_course: one set continuously for longer than `longer_than_days`; distinct: at least
    `min_active` different ingredients of the one drug set of `sets` on the same day (with the
    `required` states)."""
    sets: tuple[str, ...]
    min_active: int
    # Sets (or states) of `sets` that must all be active and are not counted in `min_active`
    # (the age of an age-gated rule); and sets of which at least one must be active (a
    # combination made only of exempt drugs does not count).
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    longer_than_days: int | None = None
    evidence: tuple[Citation, ...]

    @property
    def counted(self) -> tuple[str, ...]:
        """The sets counted towards `min_active`."""
        return tuple(s for s in self.sets if s not in self.required)


class Thresholds(Frozen):
    """The clinical numbers the patterns use, each with where it comes from."""

    beers_age_years: int
    adult_from_age_years: float
    """Below this age CKD-EPI (an adult equation) gives no eGFR (patient_states.yaml)."""
    egfr_below_ml_min: float
    carisoprodol_max_days: int
    cited: tuple[Citation, ...]


class ScreeningKnowledge(Frozen):
    """Everything the engines need: patterns, drug sets, thresholds, the knowledge version."""

    knowledge_version: str
    patterns: tuple[Pattern, ...]
    drug_sets: Mapping[str, DrugSet]
    thresholds: Thresholds
    not_screened: tuple[str, ...] = ()
    """The knowledge base's rules that the screening has no pattern for (never silent: the
    result lists them). Patterns left out with `--pattern` are the user's choice, not listed."""
    uncoded: tuple[str, ...] = ()
    """Ingredients a drug set would hold but that have no confirmed RxNorm code here (class
    members known by name only), each as 'name (its classes)': the screening is keyed on RxCUIs,
    so they are left out of the sets and the result says so (never silent)."""
    product_codes: tuple[tuple[str, int], ...] = ()
    """(product RxCUI, ingredient RxCUI) from the medication resolver's product index: maps
    product concepts to ingredients where a site has no CONCEPT_ANCESTOR."""

    def pattern(self, code: str) -> Pattern:
        for p in self.patterns:
            if p.code == code.upper():
                return p
        known = ", ".join(p.code for p in self.patterns)
        raise InputError(f"unknown pattern {code!r}; known: {known}", field="--pattern")

    def select(self, codes: Iterable[str] = ()) -> ScreeningKnowledge:
        """The same knowledge with only the patterns named (all when none are named)."""
        wanted = [self.pattern(c).code for c in codes]
        if not wanted:
            return self
        patterns = tuple(p for p in self.patterns if p.code in wanted)
        return self.model_copy(update={"patterns": patterns})

    @property
    def screened_ingredients(self) -> tuple[Ingredient, ...]:
        """Every ingredient any drug set holds, by RxCUI (one per code)."""
        seen: dict[str, Ingredient] = {}
        for s in self.drug_sets.values():
            for i in s.ingredients:
                seen.setdefault(i.rxcui, i)
        return tuple(seen[k] for k in sorted(seen, key=int))


def _cite(kb: KnowledgeBase, *cited: Cited | None) -> tuple[Citation, ...]:
    out: dict[tuple[str, str | None], Citation] = {}
    for c in cited:
        if c is None or c.source is None or c.source not in kb.sources:
            continue
        src = kb.sources[c.source]
        out.setdefault(
            (c.source, c.section),
            Citation(source=c.source, title=src.title, url=src.link, section=c.section),
        )
    return tuple(out.values())


def _unique(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    return tuple({(c.source, c.section): c for c in citations}.values())


def _screened(i: Ingredient) -> bool:
    """An ingredient prescription data can hold: not a class's stand-in ('opioid (unspecified)',
    for a medication list that names only the class), which no drug exposure is coded as."""
    return "class_stand_in" not in i.flags


def _in_group(term: Terminology, group: str) -> tuple[Ingredient, ...]:
    found = [i for i in term.ingredients.values() if group in i.groups and _screened(i)]
    return tuple(sorted(found, key=lambda i: i.id))


def _partners(
    kb: KnowledgeBase,
    term: Terminology,
    drug: Monograph,
    code: str,
    group: str | None = None,
    flag: str | None = None,
) -> tuple[Ingredient, ...]:
    """Ingredients the monograph's interaction knowledge names for alerts of `code` (those
    with `flag` only, when given: the CYP1A2 inhibitors among tizanidine's partners, not its
    inducers)."""
    found: dict[str, Ingredient] = {}
    for x in drug.interactions:
        if code_for(x) != code or (group is not None and x.object.group != group):
            continue
        if x.object.drug is not None:
            found[x.object.drug] = term.ingredient(x.object.drug)
        elif x.object.group is not None:
            for i in _in_group(term, x.object.group):
                found[i.id] = i
    found.pop(drug.id, None)
    return tuple(found[k] for k in sorted(found) if flag is None or flag in found[k].flags)


def _opioid_partners(
    kb: KnowledgeBase, term: Terminology, opioids: tuple[Ingredient, ...]
) -> tuple[Ingredient, ...]:
    """The ingredients with a monograph whose interactions the check codes MRX-DDI-003 with
    every opioid: the check raises MRX-DDI-003 for any of them with any opioid. This is read
    from the monographs (as the check reads them), not from the relaxant class, so a comparator
    with a monograph (diazepam, meprobamate) is screened as the check alerts it."""
    wanted = {i.id for i in opioids}
    found = [
        term.ingredient(drug.id)
        for drug in kb.drugs.values()
        if drug.id in term.ingredients
        and wanted <= {i.id for i in _partners(kb, term, drug, DDI_CNS_CODE)}
    ]
    return tuple(sorted(found, key=lambda i: i.id))


def covered(term: Ingredients, ingredient: Ingredient) -> bool:
    """Whether a rule trigger's term covers this ingredient (every part it names must hold)."""
    return (
        (term.drug is None or ingredient.id == term.drug)
        and (term.group is None or term.group in ingredient.groups)
        and (term.flag is None or term.flag in ingredient.flags)
    )


def _term_ingredients(term: Terminology, t: Ingredients) -> tuple[Ingredient, ...]:
    found = [i for i in term.ingredients.values() if covered(t, i) and _screened(i)]
    return tuple(sorted(found, key=lambda i: i.id))


def _trigger(kb: KnowledgeBase, code: str) -> Trigger:
    rule = kb.rules.get(code)
    if rule is None or rule.trigger is None:
        raise KnowledgeError([(f"rules/{code}.yaml", "trigger", "screening needs this trigger")])
    return rule.trigger


def _monograph(kb: KnowledgeBase, drug_id: str) -> Monograph:
    if drug_id not in kb.drugs:
        raise KnowledgeError([(f"drugs/{drug_id}.yaml", "id", "screening needs this monograph")])
    return kb.drugs[drug_id]


def _carisoprodol_limit(kb: KnowledgeBase) -> tuple[int, tuple[Citation, ...]]:
    drug = _monograph(kb, "carisoprodol")
    limits = [
        (convert(d.max_duration.upper, d.max_duration.unit, "day"), d)
        for d in drug.dosing
        if d.max_duration is not None
    ]
    if not limits:
        raise KnowledgeError([("drugs/carisoprodol.yaml", "dosing", "no max_duration")])
    days, dosing = max(limits, key=lambda t: t[0])
    return round(days), _cite(kb, dosing.max_duration, dosing)


def _baclofen_renal(kb: KnowledgeBase) -> tuple[float, tuple[Citation, ...], tuple[Citation, ...]]:
    """The lowest eGFR floor of baclofen's renal adjustments (an open-ended `egfr_below`), and
    the citations of that floor and of its dialysis statement."""
    drug = _monograph(kb, "baclofen")
    floors = [
        (convert(a.egfr_below.value or a.egfr_below.upper, a.egfr_below.unit, "mL/min"), a)
        for a in drug.populations.renal.adjustments
        if a.egfr_below is not None and a.egfr_from is None
    ]
    dialysis = [a for a in drug.populations.renal.adjustments if a.dialysis]
    if not floors or not dialysis:
        raise KnowledgeError([("drugs/baclofen.yaml", "populations.renal", "no eGFR floor")])
    value, adjustment = min(floors, key=lambda t: t[0])
    return value, _cite(kb, adjustment), _cite(kb, dialysis[0])


def _trigger_sets(kb: KnowledgeBase, term: Terminology, code: str) -> list[DrugSet]:
    """One drug set per term of a rule trigger's `all_of` (all must be taken on the same days)."""
    return [
        DrugSet(
            key=f"trigger:{code}:{n}",
            label=t.drug or t.flag or (t.group or "").replace("_", " "),
            ingredients=_term_ingredients(term, t),
        )
        for n, t in enumerate(_trigger(kb, code).all_of)
    ]


def _coded(ds: DrugSet, uncoded: dict[str, Ingredient]) -> DrugSet:
    """The set without its ingredients that have no RxCUI (recorded in `uncoded` by name): a
    screening matches codes only."""
    kept = tuple(i for i in ds.ingredients if i.rxcui)
    if len(kept) == len(ds.ingredients):
        return ds
    uncoded.update((i.name, i) for i in ds.ingredients if not i.rxcui)
    return ds.model_copy(update={"ingredients": kept})


def _rule(kb: KnowledgeBase, code: str) -> tuple[str, tuple[Citation, ...]]:
    rule = kb.rules.get(code)
    if rule is None:
        raise KnowledgeError([(f"rules/{code}.yaml", "code", "screening needs this rule")])
    return rule.name, _cite(kb, *rule.evidence)


def screening_knowledge(kb: KnowledgeBase, term: Terminology) -> ScreeningKnowledge:
    """The patterns of issue 9, with sets and thresholds read from `kb`."""
    one = {
        d: (term.ingredient(d),)
        for d in ("carisoprodol", "baclofen", "tizanidine", "cyclobenzaprine")
    }
    relaxants = _in_group(term, RELAXANT_GROUP)
    # Every drug with a monograph whose Beers entry is unconditional, as the check raises
    # MRX-BEERS-001 (the relaxants, and the comparators diazepam and meprobamate).
    beers = tuple(
        sorted(
            (
                term.ingredient(d.id)
                for d in kb.drugs.values()
                if d.id in term.ingredients
                and any(b.condition is None for b in d.populations.beers)
            ),
            key=lambda i: i.id,
        )
    )
    cyp1a2 = _partners(
        kb, term, _monograph(kb, "tizanidine"), "MRX-DDI-001", flag=CYP1A2_INHIBITOR_FLAG
    )
    maois = _partners(kb, term, _monograph(kb, "cyclobenzaprine"), "MRX-DDI-002", MAOI_GROUP)
    opioids = _in_group(term, OPIOID_GROUP)
    opioid_partners = _opioid_partners(kb, term, opioids)
    if not cyp1a2 or not maois or not beers or not opioid_partners:
        raise KnowledgeError([("groups", "members", "a screening value set is empty")])
    trinity_sets = _trigger_sets(kb, term, "MRX-DDI-004")
    beers_combo_sets = _trigger_sets(kb, term, BEERS_COMBINATION_CODE)
    dup = _trigger(kb, "MRX-DUP-001")
    assert dup.distinct_of is not None and dup.at_least is not None
    dup_members = _term_ingredients(term, dup.distinct_of)
    exempt = dup.exempt_when_all
    dup_sets = tuple(f"relaxant:{i.id}" for i in dup_members)
    dup_one_of = tuple(
        f"relaxant:{i.id}" for i in dup_members if exempt is None or not covered(exempt, i)
    )
    if any(not s.ingredients for s in (*trinity_sets, *beers_combo_sets)) or not dup_members:
        raise KnowledgeError([("rules", "trigger", "a trigger's value set is empty")])
    sets = [
        DrugSet(key="opioids", label="opioid", ingredients=opioids),
        DrugSet(
            key="benzodiazepines",
            label="benzodiazepine",
            ingredients=_in_group(term, BENZODIAZEPINE_GROUP),
        ),
        DrugSet(key="relaxants", label="skeletal muscle relaxant", ingredients=relaxants),
        DrugSet(
            key=OPIOID_PARTNERS,
            label="drug whose monograph codes MRX-DDI-003 with every opioid",
            ingredients=opioid_partners,
        ),
        DrugSet(
            key="beers_relaxants",
            label="drug with an unconditional Beers 'avoid' in its monograph",
            ingredients=beers,
        ),
        DrugSet(key="cyp1a2_inhibitors", label="CYP1A2 inhibitor", ingredients=cyp1a2),
        DrugSet(key="maois", label="MAO inhibitor", ingredients=maois),
        *(DrugSet(key=d, label=d, ingredients=i) for d, i in one.items()),
        *(
            DrugSet(key=f"relaxant:{i.id}", label=i.name, ingredients=(i,))
            for i in dict.fromkeys((*relaxants, *dup_members))
        ),
    ]
    # MRX-BEERS-003 counts the different CNS-active drugs taken on a day: one set, counted by
    # ingredient (a pattern of kind "distinct").
    cns_trigger = _trigger(kb, BEERS_CNS_CODE)
    if cns_trigger.distinct_of is None or cns_trigger.at_least is None:
        raise KnowledgeError(
            [
                (
                    f"rules/{BEERS_CNS_CODE}.yaml",
                    "trigger",
                    "screening needs distinct_of and at_least",
                )
            ]
        )
    cns_members = _term_ingredients(term, cns_trigger.distinct_of)
    if not cns_members:
        raise KnowledgeError([(f"rules/{BEERS_CNS_CODE}.yaml", "trigger", "value set is empty")])
    sets.append(DrugSet(key=CNS_SET, label="CNS-active drug", ingredients=cns_members))
    # Class members known by name only cannot be matched in coded data: left out, and said.
    left_out: dict[str, Ingredient] = {}
    sets = [_coded(ds, left_out) for ds in sets]
    trinity_sets = [_coded(ds, left_out) for ds in trinity_sets]
    beers_combo_sets = [_coded(ds, left_out) for ds in beers_combo_sets]
    empty = [ds.key for ds in (*sets, *trinity_sets, *beers_combo_sets) if not ds.ingredients]
    if empty:
        raise KnowledgeError(
            [("groups", "members", f"no member with an RxCUI in the screening set(s) {empty}")]
        )
    uncoded = tuple(
        f"{name} ({', '.join(g.replace('_', ' ') for g in i.groups)})"
        for name, i in sorted(left_out.items())
    )
    # A trigger's term with the same ingredients as a set above uses that set (one era each).
    same = {ds.rxcuis: ds for ds in sets}
    trinity_sets = [same.get(ds.rxcuis, ds) for ds in trinity_sets]
    sets += [ds for ds in trinity_sets if ds.rxcuis not in same]
    same = {ds.rxcuis: ds for ds in sets}
    beers_combo_sets = [same.get(ds.rxcuis, ds) for ds in beers_combo_sets]
    sets += [ds for ds in beers_combo_sets if ds.rxcuis not in same]
    drug_sets = {s.key: s for s in sets}
    cari_days, cari_cited = _carisoprodol_limit(kb)
    egfr, egfr_cited, dialysis_cited = _baclofen_renal(kb)
    beers_from = kb.rules["MRX-BEERS-001"].from_age_years()
    assert beers_from is not None
    age = round(beers_from)
    beers_name, beers_cited = _rule(kb, "MRX-BEERS-001")
    screened = {i.rxcui for ds in sets for i in ds.ingredients}
    product_codes = tuple((p, int(i)) for p, i in term.product_codes(screened))
    adult = kb.patient_states.adult_from_age
    thresholds = Thresholds(
        beers_age_years=age,
        adult_from_age_years=convert(adult.lower, adult.unit, "year"),
        egfr_below_ml_min=egfr,
        carisoprodol_max_days=cari_days,
        cited=_unique((*cari_cited, *egfr_cited, *dialysis_cited, *beers_cited)),
    )

    def pattern(
        code: str,
        summary: str,
        sets: tuple[str, ...],
        *extra: Citation,
        min_active: int | None = None,
    ) -> Pattern:
        name, cited = _rule(kb, code)
        return Pattern(
            code=code,
            name=name,
            summary=summary,
            kind="concurrent",
            sets=sets,
            min_active=len(sets) if min_active is None else min_active,
            evidence=_unique((*extra, *cited)),
        )

    dup_age = kb.rules["MRX-DUP-001"].from_age_years()
    if dup_age is not None and round(dup_age) != age:
        raise KnowledgeError(
            [("rules/MRX-DUP-001.yaml", "applies_from_age", "the screening has one age state")]
        )
    dup_gate = (AGE_STATE,) if dup_age is not None else ()
    for code in (BEERS_COMBINATION_CODE, BEERS_CNS_CODE):
        from_age = kb.rules[code].from_age_years()
        if from_age is None or round(from_age) != age:
            raise KnowledgeError(
                [
                    (
                        f"rules/{code}.yaml",
                        "applies_from_age",
                        f"the screening has one age state ({age} years)",
                    )
                ]
            )
    patterns = (
        pattern(
            "MRX-DDI-004",
            join_and([s.label.lower() for s in trinity_sets]) + " on the same days",
            tuple(s.key for s in trinity_sets),
        ),
        pattern(
            "MRX-DDI-003",
            "an opioid and "
            + join_or(
                ["a skeletal muscle relaxant"]
                + [i.name.lower() for i in opioid_partners if i not in relaxants]
            )
            + " on the same days",
            ("opioids", OPIOID_PARTNERS),
        ),
        Pattern(
            code="MRX-DUR-001",
            name=_rule(kb, "MRX-DUR-001")[0],
            summary=f"a continuous carisoprodol course (refills joined) longer than {cari_days} days",
            kind="long_course",
            sets=("carisoprodol",),
            min_active=1,
            longer_than_days=cari_days,
            evidence=_unique((*cari_cited, *_rule(kb, "MRX-DUR-001")[1])),
        ),
        Pattern(
            code="MRX-DUP-001",
            name=_rule(kb, "MRX-DUP-001")[0],
            summary=(
                f"{dup.at_least} or more different skeletal muscle relaxants on the same days"
                + (f" at {age} years or older" if dup_gate else "")
                + (
                    f", not all of them {(exempt.flag or exempt.group or '').replace('_', ' ')}"
                    if exempt is not None
                    else ""
                )
            ),
            kind="concurrent",
            sets=(*dup_sets, *dup_gate),
            min_active=dup.at_least,
            required=dup_gate,
            one_of=dup_one_of if exempt is not None else (),
            evidence=_rule(kb, "MRX-DUP-001")[1],
        ),
        Pattern(
            code="MRX-BEERS-001",
            name=beers_name,
            summary=f"{join_or([i.name.lower() for i in beers])} at {age} years or older",
            kind="concurrent",
            sets=("beers_relaxants", AGE_STATE),
            min_active=2,
            evidence=beers_cited,
        ),
        Pattern(
            code=BEERS_COMBINATION_CODE,
            name=_rule(kb, BEERS_COMBINATION_CODE)[0],
            summary=(
                join_and([s.label.lower() for s in beers_combo_sets])
                + f" on the same days at {age} years or older"
            ),
            kind="concurrent",
            sets=(*(s.key for s in beers_combo_sets), AGE_STATE),
            min_active=len(beers_combo_sets),
            required=(AGE_STATE,),
            evidence=_unique((*beers_cited, *_rule(kb, BEERS_COMBINATION_CODE)[1])),
        ),
        Pattern(
            code=BEERS_CNS_CODE,
            name=_rule(kb, BEERS_CNS_CODE)[0],
            summary=(
                f"{cns_trigger.at_least} or more different CNS-active drugs on the same days"
                f" at {age} years or older"
            ),
            kind="distinct",
            sets=(CNS_SET, AGE_STATE),
            min_active=cns_trigger.at_least,
            required=(AGE_STATE,),
            evidence=_unique((*beers_cited, *_rule(kb, BEERS_CNS_CODE)[1])),
        ),
        pattern(
            "MRX-RENAL-001",
            f"baclofen while the latest eGFR is below {egfr:g} mL/min",
            ("baclofen", EGFR_STATE),
            *egfr_cited,
        ),
        pattern(
            "MRX-RENAL-002",
            "baclofen while on dialysis or with end-stage kidney disease",
            ("baclofen", DIALYSIS_STATE),
            *dialysis_cited,
        ),
        pattern(
            "MRX-DDI-001",
            "tizanidine with a CYP1A2 inhibitor on the same days",
            ("tizanidine", "cyp1a2_inhibitors"),
        ),
        pattern(
            "MRX-DDI-002",
            "cyclobenzaprine with an MAO inhibitor on the same days",
            ("cyclobenzaprine", "maois"),
        ),
    )
    return ScreeningKnowledge(
        knowledge_version=kb.version,
        not_screened=tuple(c for c in sorted(kb.rules) if c not in {p.code for p in patterns}),
        uncoded=uncoded,
        patterns=patterns,
        drug_sets=drug_sets,
        thresholds=thresholds,
        product_codes=product_codes,
    )


def default_screening_knowledge() -> ScreeningKnowledge:
    """The patterns from the knowledge base in use (the site's folder, `MYORELAX_KNOWLEDGE_DIR`,
    or the packaged one), compiled once per knowledge base object: `load_knowledge` gives the
    same object while the folder is unchanged and a new one for another folder or an edit."""
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.terminology import terminology_for

    kb = load_knowledge()
    term = terminology_for(kb)
    found = _COMPILED.get(id(kb))
    if found is None or found[0] is not kb or found[1] is not term:
        found = (kb, term, screening_knowledge(kb, term))
        _COMPILED[id(kb)] = found
    return found[2]


_COMPILED: dict[int, tuple[KnowledgeBase, Terminology, ScreeningKnowledge]] = {}
