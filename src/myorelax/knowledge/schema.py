"""The knowledge-base schema: frozen pydantic models, unknown fields forbidden.

The YAML files in ``data/`` are validated against these models; ``docs/knowledge-base.md``
explains them and ``docs/knowledge-base.schema.json`` is generated from them.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from myorelax.frozen import Frozen as _Frozen
from myorelax.knowledge.severity import SEVERITY_ORDER as SEVERITY_ORDER
from myorelax.knowledge.severity import Severity as Severity

Route = Literal["oral", "intrathecal", "intravenous", "intramuscular", "rectal", "nasal"]
Form = Literal[
    "tablet",
    "orally_disintegrating_tablet",
    "capsule",
    "oral_solution",
    "oral_suspension",
    "oral_granules",
    "injection",
    "powder_for_injection",
    "rectal_gel",
    "nasal_spray",
]
Release = Literal["immediate", "extended"]
DeaSchedule = Literal["II", "III", "IV", "V", "not_controlled"]
WarningTopic = Literal[
    "cns_depression",
    "respiratory_depression",
    "abuse",
    "dependence",
    "withdrawal",
    "seizures",
    "hepatotoxicity",
    "hypotension",
    "bradycardia",
    "cardiac",
    "serotonin_syndrome",
    "anticholinergic",
    "psychiatric",
    "hypersensitivity",
    "falls",
    "driving",
    "neonatal",
    "overdose",
    "device",
    "infection",
    "hematologic",
    "other",
]
Phenotype = Literal["PM", "IM", "NM", "RM", "UM"]
PopulationKind = Literal["adult", "pediatric", "geriatric", "all"]


class Frozen(_Frozen):
    """Base of every knowledge model: immutable, unknown fields rejected (its validators built
    on first use: a knowledge base loaded from its snapshot is never validated again)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Cited(Frozen):
    """Anything that may carry a citation: a source id from the registry and a section."""

    source: str | None = None
    section: str | None = None


class Amount(Cited):
    """A number with its unit and citation: either ``value`` or a ``low``-``high`` range."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str
    note: str | None = None
    derived: bool = False
    also_reported: tuple[Amount, ...] = ()

    @model_validator(mode="after")
    def _value_or_range(self) -> Amount:
        has_value = self.value is not None
        has_range = self.low is not None or self.high is not None
        if has_value == has_range:
            raise ValueError("give either value, or low and high")
        if has_range and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self

    @property
    def upper(self) -> float:
        """The single value, or the top of the range (the conservative end for a maximum)."""
        if self.value is not None:
            return self.value
        assert self.high is not None
        return self.high

    @property
    def lower(self) -> float:
        """The single value, or the bottom of the range."""
        if self.value is not None:
            return self.value
        assert self.low is not None
        return self.low

    def text(self) -> str:
        """Human form: ``350 mg`` or ``2-3 weeks``."""

        def fmt(x: float) -> str:
            return f"{x:g}"

        plural = self.unit in ("day", "week", "month", "year") and self.value != 1
        # A pure number (a ratio, a fraction, doses a day) is shown without a unit word.
        unit = {"dimensionless": "", "percent": "%"}.get(
            self.unit, " " + self.unit + ("s" if plural else "")
        )
        if self.value is not None:
            return f"{fmt(self.value)}{unit}"
        assert self.low is not None and self.high is not None
        return f"{fmt(self.low)}-{fmt(self.high)}{unit}"


class Statement(Cited):
    """A cited fact in words (our own)."""

    text: str
    note: str | None = None


class Code(Cited):
    """A cited identifier (RxCUI, ATC code, DEA schedule)."""

    value: str
    note: str | None = None


class Source(Frozen):
    """An entry of the citation registry."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    type: Literal["label", "article", "guideline", "regulatory", "terminology", "book"]
    title: str
    publisher: str | None = None
    journal: str | None = None
    setid: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )
    url: str | None = None
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$")
    doi: str | None = Field(default=None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    year: int | None = Field(default=None, ge=1900, le=2100)
    note: str | None = None

    @model_validator(mode="after")
    def _identifiable(self) -> Source:
        if self.type == "label" and not self.setid:
            raise ValueError("a label source needs its DailyMed setid")
        if self.type in ("article", "guideline") and not (self.pmid or self.doi or self.url):
            raise ValueError("an article needs a pmid or a doi")
        if self.type in ("regulatory", "terminology", "book") and not (self.url or self.doi):
            raise ValueError("this source needs a url or a doi")
        return self

    @property
    def link(self) -> str:
        """Where a reader can open the source."""
        if self.setid:
            return f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={self.setid}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url or ""


class SourceFile(Frozen):
    sources: tuple[Source, ...]


class Member(Frozen):
    """An ingredient in a drug class value set. An ingredient whose RxCUI could not be
    confirmed is listed without one (matched by name, brand and synonym only; its `note`
    must say why): a class member known by name is better than a silent miss."""

    name: str
    rxcui: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$")
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    note: str | None = None


class Group(Cited):
    """A drug class as a value set of RxNorm ingredients."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    synonyms: tuple[str, ...] = Field(
        default=(),
        description="names clinicians write for the class itself (an allergy list's 'benzos', "
        "'muscle relaxants'); the id with spaces is always one",
    )
    flags: tuple[str, ...] = ()
    note: str | None = None
    members: tuple[Member, ...]


class GroupFile(Frozen):
    groups: tuple[Group, ...]


class Condition(Frozen):
    """A patient condition the rules understand, with the codes that map to it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    synonyms: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    source: str | None = None
    # Conditions this one is a kind of (kidney failure is reduced kidney function): a patient
    # with it is checked for those too.
    implies: tuple[str, ...] = ()
    # For a kidney condition defined by a GFR category: the patient's GFR is below this (and, for
    # a category with a floor, at or above `gfr_from`) by definition, which the kidney rules use
    # when no laboratory value was given.
    gfr_below: Amount | None = None
    gfr_from: Amount | None = None


class ConditionFile(Frozen):
    conditions: tuple[Condition, ...]


def implied_conditions(cid: str, conditions: Mapping[str, Condition]) -> tuple[str, ...]:
    """The conditions `cid` is a kind of: its `implies`, transitively, in the order found
    (empty for an unknown id)."""
    out: list[str] = []
    todo = [cid]
    while todo:
        cond = conditions.get(todo.pop())
        for other in cond.implies if cond else ():
            if other not in out and other != cid:
                out.append(other)
                todo.append(other)
    return tuple(out)


class AgeBand(Frozen):
    """An age band in years, both ends inclusive, each end cited on its own (the sources of the
    two ends usually differ)."""

    name: str
    from_age: Amount
    through_age: Amount
    note: str | None = None


class GfrCategory(Frozen):
    """A GFR category (KDIGO G1-G5) by the lowest eGFR in it, in mL/min/1.73 m2."""

    category: str = Field(pattern=r"^G[1-5][ab]?$")
    from_egfr: Amount = Field(description="the lowest eGFR of the category (mL/min/1.73 m2)")


class PatientStates(Frozen):
    """What the checks assume about a patient fact the record does not give (patient_states.yaml).

    `pregnancy_possible`: the ages at which a patient not recorded as male could be pregnant or
    breastfeeding; there, an unrecorded pregnancy or lactation status is listed as not checked.
    `adult_from_age`: below it a patient is a child: the dose check takes a label's pediatric
    dosing first and the plans are not built."""

    pregnancy_possible: AgeBand
    adult_from_age: Amount
    gfr_categories: tuple[GfrCategory, ...] = Field(
        min_length=1, description="KDIGO GFR categories, highest first; the last starts at 0"
    )

    @model_validator(mode="after")
    def _categories_descend(self) -> PatientStates:
        lows = [c.from_egfr.lower for c in self.gfr_categories]
        if lows != sorted(lows, reverse=True) or len(set(lows)) != len(lows):
            raise ValueError("gfr_categories must go from the highest eGFR down, each lower")
        if lows[-1] != 0:
            raise ValueError("the last of gfr_categories must start at an eGFR of 0")
        return self

    def gfr_category(self, egfr: float) -> str:
        """The GFR category of an eGFR (mL/min/1.73 m2)."""
        return next(c.category for c in self.gfr_categories if egfr >= c.from_egfr.lower)

    def is_child(self, age_years: float | None) -> bool:
        """Whether a patient of this age (None: unknown, not taken as a child) is a child."""
        from myorelax.units import convert

        if age_years is None:
            return False
        return age_years < convert(self.adult_from_age.lower, self.adult_from_age.unit, "year")


class Manifest(Frozen):
    title: str
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    released: str
    note: str | None = None


class Identifiers(Frozen):
    rxcui: Code
    atc: Code | None = None
    dea_schedule: Code
    unii: Code | None = None


class Names(Frozen):
    brands: tuple[str, ...] = ()
    salts: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()


class ActiveMetabolite(Cited):
    drug: str
    note: str | None = None
    duplication: Severity | None = Field(
        default=None,
        description="grade of giving the metabolite itself with the parent (MRX-DUP-002)",
    )


class CoIngredient(Frozen):
    """Another active ingredient of a combination product, with its strength per unit."""

    name: str
    strength: Amount


class Product(Cited):
    id: str
    route: Route
    form: Form
    release: Release = "immediate"
    strengths: tuple[Amount, ...]
    scored: bool | None = None
    score_parts: int | None = Field(default=None, ge=2, le=4)
    brands: tuple[str, ...] = ()
    also_contains: tuple[CoIngredient, ...] = Field(
        default=(), description="the other ingredients of a combination product"
    )
    notes: tuple[Statement, ...] = ()

    @property
    def piece_divisors(self) -> tuple[int, ...]:
        """Into how many equal pieces a tablet may be split: 1 (whole) for every product; for a
        scored tablet also its score's parts and, where they divide evenly, halves (a tablet
        scored in quarters may be halved; one scored in thirds may not). The one rule for the
        dose check and the plans."""
        if not self.scored:
            return (1,)
        parts = self.score_parts or 2
        return tuple(k for k in sorted({1, 2, parts}) if parts % k == 0)


class Indication(Cited):
    id: str
    text: str


class TitrationStep(Frozen):
    dose: Amount
    doses_per_day: int = Field(ge=1, le=12)
    days: int | None = Field(default=None, ge=1, le=365)
    note: str | None = None


class Titration(Cited):
    step: Amount | None = None
    step_basis: Literal["per_dose", "per_day"] | None = None
    interval: Amount | None = None
    schedule: tuple[TitrationStep, ...] = ()
    # The largest labelled rise of the daily dose as a percentage of the current daily dose, at
    # most once per `interval` (intrathecal baclofen: 10-30% once every 24 hours for spinal
    # spasticity): a dose change that raises the daily dose by more is faster than labelled.
    max_increase: Amount | None = None
    # The label gives a starting dose and says to raise it gradually, with no step size (diazepam
    # in older patients and children): a new start above `start` is faster than labelled.
    gradual: bool = False
    notes: tuple[Statement, ...] = ()


class Dosing(Cited):
    """One dosing regimen: for a population, route and indication."""

    id: str
    population: PopulationKind
    # The age from which a geriatric entry applies (required for one, checked at load).
    from_age: Amount | None = None
    route: Route
    indication: str | None = None
    # The conditions this entry is for, where the label doses by cause (intrathecal baclofen:
    # spasticity of spinal or of cerebral origin); empty: any patient of the population.
    for_conditions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    start: Amount | None = None
    usual_dose: Amount | None = None
    doses_per_day: Amount | None = None
    interval: Amount | None = None
    titration: Titration | None = None
    max_single: Amount | None = None
    max_daily: Amount | None = None
    max_doses_per_day: Amount | None = None
    max_duration: Amount | None = None
    # True where the label sets no maximum dose but gives the range of maintenance doses its
    # patients needed (intrathecal baclofen): `usual_dose` is then the labelled maintenance range,
    # and a dose above its top is outside that range (said in those words, never as a maximum).
    usual_dose_is_labelled_range: bool = False
    onset: Amount | None = None
    duration_of_effect: Amount | None = None
    notes: tuple[Statement, ...] = ()


def _range_top_mg_day(d: Dosing) -> float:
    from myorelax.units import convert

    assert d.usual_dose is not None
    return convert(d.usual_dose.upper, d.usual_dose.unit, "mg/day")


def _labelled_ranges(
    drug: Monograph, route: str, populations: Collection[str] | None
) -> list[Dosing]:
    """The dosing entries with a labelled maintenance range (`usual_dose_is_labelled_range`) for
    this route, among entries for `populations` (entries for "all" always count; None: every
    population)."""
    return [
        d
        for d in drug.dosing
        if d.route == route
        and d.usual_dose_is_labelled_range
        and d.usual_dose is not None
        and (populations is None or d.population == "all" or d.population in populations)
    ]


def labelled_range_top(
    drug: Monograph, route: str, populations: Collection[str] | None = None
) -> Dosing | None:
    """The dosing entry whose labelled maintenance range reaches highest for this route and
    `populations` (`_labelled_ranges`): the pump plan's widest range."""
    entries = _labelled_ranges(drug, route, populations)
    return max(entries, key=_range_top_mg_day) if entries else None


def labelled_range_for(
    drug: Monograph,
    route: str,
    populations: Collection[str] | None,
    conditions: Collection[str],
) -> tuple[Dosing | None, bool]:
    """The entry whose labelled maintenance range applies, and whether the cause it is for is
    known (as `rise_limit_for`): an entry for everyone of the age group (the paediatric range)
    first, its highest; else the entries for a recorded condition (`for_conditions`: the origin of
    spasticity), the lowest top among them; else, the cause not being recorded, the lowest top of
    all (the conservative one: 703 mcg/day for cerebral, not 800 for spinal spasticity). The
    safety check (MRX-DOSE-002) reads it here."""
    entries = _labelled_ranges(drug, route, populations)
    if not entries:
        return None, True
    general = [d for d in entries if not d.for_conditions]
    if general:
        return max(general, key=_range_top_mg_day), True
    matched = [d for d in entries if set(d.for_conditions) & set(conditions)]
    if matched:
        return min(matched, key=_range_top_mg_day), True
    return min(entries, key=_range_top_mg_day), False


def rise_limits(
    drug: Monograph, route: str, populations: Collection[str] | None = None
) -> list[tuple[float, Dosing]]:
    """The labelled largest relative rises of the daily dose (`titration.max_increase`, in
    percent) for this route and `populations` (as `labelled_range_top`), smallest first."""
    from myorelax.units import convert

    out: list[tuple[float, Dosing]] = []
    for d in drug.dosing:
        t = d.titration
        if d.route != route or t is None or t.max_increase is None:
            continue
        if populations is not None and d.population != "all" and d.population not in populations:
            continue
        out.append((convert(t.max_increase.upper, t.max_increase.unit, "percent"), d))
    return sorted(out, key=lambda x: x[0])


def rise_limit_for(
    drug: Monograph,
    route: str,
    populations: Collection[str] | None,
    conditions: Collection[str],
) -> tuple[Dosing | None, bool]:
    """The entry whose labelled largest rise applies, and whether the cause it is for is
    known: the entries for a recorded condition (`for_conditions`: the origin of spasticity),
    else, the cause not being recorded, the smallest rise of all (the conservative one). Between
    entries of recorded causes, the smallest too. The safety check (MRX-DOSE-004) and the pump
    plan both read it here."""
    limits = rise_limits(drug, route, populations)
    if not limits:
        return None, True
    if not any(d.for_conditions for _, d in limits):
        return limits[0][1], True
    matched = [d for _, d in limits if set(d.for_conditions) & set(conditions)]
    if matched:
        return matched[0], True
    return limits[0][1], False


def applies_from_age(dosing: Dosing, age_years: float) -> bool:
    """Whether a dosing entry with an age from which it applies (geriatric) covers this age."""
    if dosing.from_age is None:
        return False
    from myorelax.units import convert

    return age_years >= convert(dosing.from_age.lower, dosing.from_age.unit, "year")


class BeersEntry(Statement):
    recommendation: str
    condition: str | None = None
    quality_of_evidence: str | None = None
    strength: str | None = None


class RenalAdjustment(Cited):
    crcl_below: Amount | None = None
    crcl_from: Amount | None = None
    egfr_below: Amount | None = None
    egfr_from: Amount | None = None
    dialysis: bool | None = None
    severity: Severity
    action: str
    dose_fraction: Amount | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_threshold(self) -> RenalAdjustment:
        if self.crcl_below is None and self.egfr_below is None and not self.dialysis:
            raise ValueError("a renal adjustment needs crcl_below, egfr_below or dialysis: true")
        return self


class HepaticAdjustment(Cited):
    impairment: Literal["any", "mild", "moderate", "severe"]
    # The formulation the adjustment is for (a label of the extended-release product can differ
    # from the immediate-release one); None: every formulation of the drug.
    release: Release | None = None
    severity: Severity
    action: str
    dose_fraction: Amount | None = None
    note: str | None = None


class RenalSection(Frozen):
    statements: tuple[Statement, ...] = ()
    adjustments: tuple[RenalAdjustment, ...] = ()


class HepaticSection(Frozen):
    statements: tuple[Statement, ...] = ()
    adjustments: tuple[HepaticAdjustment, ...] = ()


class Pharmacogenomics(Cited):
    gene: str
    phenotype: Phenotype
    effect: str
    action: str
    severity: Severity
    auc_ratio: Amount | None = None
    metabolite_auc_ratio: Amount | None = None
    note: str | None = None


class RouteMinAge(Amount):
    """A minimum age for some routes only (intrathecal baclofen from 4 years, where oral
    baclofen is established from 12): for an order by one of `routes` it replaces `min_age`."""

    routes: tuple[Route, ...] = Field(min_length=1)


class Populations(Frozen):
    # The labelled minimum age; `min_age_routes` gives another one for named routes.
    min_age: Amount | None = None
    min_age_routes: tuple[RouteMinAge, ...] = ()
    geriatric: tuple[Statement, ...] = ()
    beers: tuple[BeersEntry, ...] = ()
    pediatric: tuple[Statement, ...] = ()
    pregnancy: tuple[Statement, ...] = ()
    lactation: tuple[Statement, ...] = ()
    renal: RenalSection = RenalSection()
    hepatic: HepaticSection = HepaticSection()
    pharmacogenomics: tuple[Pharmacogenomics, ...] = ()

    def min_age_for(self, route: str | None) -> Amount | None:
        """The minimum age for an order by `route`: the route's own entry, else `min_age` (also
        when the route is unknown)."""
        if route is not None:
            for entry in self.min_age_routes:
                if route in entry.routes:
                    return entry
        return self.min_age


class RenalPathology(Cited):
    """What a contraindication in kidney disease ("known or suspected renal pathology") covers:
    a recorded kidney condition, dialysis, or a kidney function below a threshold (any one)."""

    conditions: tuple[str, ...] = ()
    dialysis: bool = False
    crcl_below: Amount | None = None
    egfr_below: Amount | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_criterion(self) -> RenalPathology:
        if not (self.conditions or self.dialysis or self.crcl_below or self.egfr_below):
            raise ValueError("renal pathology needs conditions, dialysis, crcl_below or egfr_below")
        return self


class Contraindication(Cited):
    """A labelled contraindication. `condition`, `allergy`, `interaction` and `renal` are what
    the check reads; `population` is text only. `child_pugh` narrows a liver `condition` to the
    Child-Pugh classes the label's wording covers (a patient with liver disease whose class is
    not recorded is taken to be in them: the cautious reading); `routes` narrows the whole
    contraindication to orders given by those routes (an order whose route is not stated gets
    no alert from it: the unchecked route is said as not checked, naming the finding)."""

    id: str
    text: str
    condition: str | None = None
    child_pugh: tuple[Literal["A", "B", "C"], ...] = ()
    allergy: str | None = None
    interaction: str | None = None
    renal: RenalPathology | None = None
    routes: tuple[Route, ...] = ()
    population: str | None = None
    note: str | None = None
    # Kinds of `condition` the label leaves out (diazepam: narrow-angle glaucoma, not open-angle
    # glaucoma on treatment). The contraindication does not apply when every recorded condition
    # that is, or is a kind of, `condition` is one of these; a condition recorded without its
    # kind ('glaucoma') still meets it (the cautious reading).
    exempt: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _child_pugh_on_condition(self) -> Contraindication:
        if self.child_pugh and not self.condition:
            raise ValueError("child_pugh narrows a liver condition: give the condition too")
        return self


class Warning(Cited):
    """A labelled warning or precaution. `conditions`: the patient conditions it is about (the
    label says to use the drug with caution in them); a patient with one gets MRX-CI-003, unless
    the same condition is a contraindication of the drug (MRX-CI-001 then says it)."""

    id: str
    topic: WarningTopic
    text: str
    conditions: tuple[str, ...] = ()


class AdverseReaction(Cited):
    term: str
    incidence: Amount | None = None
    placebo: Amount | None = None
    frequency: str | None = None
    note: str | None = None


class Withdrawal(Frozen):
    signs: tuple[str, ...] = ()
    serious_signs: tuple[str, ...] = Field(
        default=(), description="signs (a subset of `signs`) that call for urgent care"
    )
    onset: Amount | None = None
    statements: tuple[Statement, ...] = ()


class Taper(Cited):
    needed: bool | None = None
    applies_after: Amount | None = None
    min_duration: Amount | None = None
    suggested_duration: Amount | None = None
    step_fraction: Amount | None = None
    step_amount: Amount | None = Field(
        default=None, description="reduction of the total daily dose at each step (mg/day)"
    )
    step_interval: Amount | None = None
    guidance: tuple[Statement, ...] = ()


class Dependence(Frozen):
    abuse: tuple[Statement, ...] = ()
    withdrawal: Withdrawal | None = None
    taper: Taper | None = None


class PkParameters(Frozen):
    ka: Amount | None = None
    cl: Amount | None = None
    v: Amount | None = None
    q: Amount | None = None
    v2: Amount | None = None
    tlag: Amount | None = None
    f: Amount | None = None


class Iiv(Cited):
    parameter: Literal["ka", "cl", "v", "q", "v2", "tlag", "f"]
    cv: Amount


class Correlation(Cited):
    a: str
    b: str
    r: float = Field(ge=-1, le=1)


class Residual(Cited):
    proportional: Amount | None = None
    additive: Amount | None = None


class MetaboliteModel(Cited):
    drug: str
    fraction_formed: Amount
    mw_ratio: Amount
    cl: Amount
    v: Amount
    derived: bool = False
    derivation: str | None = None


class OralAbsorption(Cited):
    """First-order absorption of oral doses into an intravenous model (two routes, one
    disposition): oral doses go through a depot (``ka``, ``f``, ``tlag``), intravenous doses
    into the central compartment."""

    ka: Amount
    f: Amount
    tlag: Amount | None = None
    derived: bool = False
    derivation: str | None = None

    @model_validator(mode="after")
    def _explained(self) -> OralAbsorption:
        if self.derived and not self.derivation:
            raise ValueError("a derived oral absorption needs its derivation")
        return self


class PkModel(Cited):
    compartments: Literal[1, 2]
    absorption: Literal["first_order", "iv_bolus", "iv_infusion"]
    apparent: bool
    derived: bool = False
    derivation: str | None = None
    population: str | None = None
    parameters: PkParameters
    iiv: tuple[Iiv, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    residual: Residual | None = None
    metabolite: MetaboliteModel | None = None
    oral: OralAbsorption | None = None  # an intravenous model that also takes oral doses
    not_modelled: tuple[str, ...] = Field(
        default=(),
        description="what the model leaves out that changes the exposure or effect (an active "
        "metabolite with no model), said in every simulation's notes",
    )

    @model_validator(mode="after")
    def _complete(self) -> PkModel:
        p = self.parameters
        needed = {"cl": p.cl, "v": p.v}
        if self.absorption == "first_order":
            needed["ka"] = p.ka
        if self.compartments == 2:
            needed |= {"q": p.q, "v2": p.v2}
        missing = [k for k, v in needed.items() if v is None]
        if missing:
            raise ValueError(f"model parameters missing: {', '.join(missing)}")
        if self.oral is not None and self.absorption == "first_order":
            raise ValueError("`oral` absorption belongs to an intravenous model only")
        if self.derived and not self.derivation:
            raise ValueError("a derived model needs its derivation")
        return self


class RenalSubgroup(Cited):
    """A published renal-impairment group and its AUC relative to the study's reference group,
    against which the renal covariate is validated (tests/pk/test_validation.py)."""

    label: str
    crcl: Amount  # the group's creatinine clearance (a range, mL/min)
    representative_crcl: Amount  # the value the model is evaluated at (a mean, or assumed)
    reference_crcl: Amount  # the same for the study's reference group
    auc_ratio: Amount
    note: str | None = None


class RenalCovariate(Cited):
    kind: Literal["renal"]
    parameter: Literal["cl"] = "cl"
    fraction_renal: Amount
    reference_crcl: Amount
    derived: bool = False
    note: str | None = None
    subgroups: tuple[RenalSubgroup, ...] = ()


# The model parameters an effect may change (`fraction_formed` is the metabolite's `fm`).
ModelParameter = Literal["ka", "cl", "v", "q", "v2", "tlag", "f", "fm", "fraction_formed",
                         "clm", "vm"]  # fmt: skip
# Each categorical covariate the engine can read from a patient, with the categories it yields
# (pk/covariates.py `_category`): a covariate or category outside these would never match and
# its effect would silently not apply, so it is a load error.
COVARIATE_CATEGORIES: dict[str, frozenset[str]] = {
    "cyp2c19": frozenset({"PM", "IM", "NM", "RM", "UM"}),
    "age_group": frozenset({"adult", "elderly"}),
    "sex": frozenset({"female", "male"}),
    "crcl_below_25_ml_min": frozenset({"yes", "no"}),
    "hepatic_impairment": frozenset({"mild", "moderate", "severe", "cirrhosis"}),
    "dialysis": frozenset({"hemodialysis", "none"}),
    "alcohol_use": frozenset({"heavy_chronic_drinking", "none"}),
    "food": frozenset({"high_fat_meal", "fasted"}),
    "oral_contraceptive": frozenset({"yes"}),  # applied through the interaction rules
    "dosage_form": frozenset(get_args(Form)),  # the form taken, when the caller names it
}
CategoricalCovariateName = Literal["cyp2c19", "age_group", "sex", "crcl_below_25_ml_min",
                                   "hepatic_impairment", "dialysis", "alcohol_use", "food",
                                   "oral_contraceptive", "dosage_form"]  # fmt: skip
ContinuousCovariateName = Literal["weight_kg", "age_years"]


class CategoricalCovariate(Cited):
    kind: Literal["categorical"]
    covariate: CategoricalCovariateName
    category: str
    parameter: ModelParameter
    factor: Amount
    derived: bool = False
    note: str | None = None
    # For `age_group`: the age (years) from which a patient is in the `elderly` category, with its
    # source (required for that covariate and only allowed there, checked at load).
    from_age: Amount | None = None
    # The effect holds for this dosage form only (food acts differently on tizanidine tablets and
    # capsules); None: whatever the form.
    form: Form | None = None

    @model_validator(mode="after")
    def _known_category(self) -> CategoricalCovariate:
        allowed = COVARIATE_CATEGORIES[self.covariate]
        if self.category not in allowed:
            raise ValueError(
                f"category {self.category!r} is not one {self.covariate} can take "
                f"({', '.join(sorted(allowed))})"
            )
        return self


class PowerCovariate(Cited):
    kind: Literal["power"]
    covariate: ContinuousCovariateName
    parameter: ModelParameter
    reference: Amount
    exponent: Amount
    derived: bool = False
    note: str | None = None


Covariate = Annotated[
    RenalCovariate | CategoricalCovariate | PowerCovariate, Field(discriminator="kind")
]


class PkSummary(Frozen):
    bioavailability: Amount | None = None
    tmax: Amount | None = None
    half_life: Amount | None = None
    protein_binding: Amount | None = None
    fraction_excreted_unchanged: Amount | None = None
    volume: Amount | None = None
    clearance: Amount | None = None
    statements: tuple[Statement, ...] = ()


class Observed(Cited):
    """Reported summary values of one study arm, used to validate the model."""

    analyte: str
    dose: Amount
    regimen: str
    route: Route = "oral"
    subjects: str | None = None
    cmax: Amount | None = None
    tmax: Amount | None = None
    auc_inf: Amount | None = None
    auc_tau: Amount | None = None
    auc_last: Amount | None = None
    cmin: Amount | None = None
    half_life: Amount | None = None
    note: str | None = None


class Pk(Frozen):
    summary: PkSummary = PkSummary()
    model: PkModel | None = None
    covariates: tuple[Covariate, ...] = ()
    observed: tuple[Observed, ...] = ()


class InteractionObject(Frozen):
    """What the drug interacts with: another drug, a class, or a patient exposure recorded as a
    condition (tobacco smoking induces CYP1A2)."""

    drug: str | None = None
    group: str | None = None
    condition: str | None = None

    @model_validator(mode="after")
    def _one(self) -> InteractionObject:
        if sum(x is not None for x in (self.drug, self.group, self.condition)) != 1:
            raise ValueError("give exactly one of drug, group or condition")
        return self

    @property
    def label(self) -> str:
        return (self.drug or self.group or self.condition or "").replace("_", " ")


class Exposure(Cited):
    auc_ratio: Amount | None = None
    cmax_ratio: Amount | None = None
    half_life_ratio: Amount | None = None
    note: str | None = None


class Modifier(Cited):
    """A circumstance that changes an interaction's grade. Most are shown as context; one with
    a `route` is applied: when the order of the drug that owns the interaction is given by that
    route, its severity and recommendation replace the interaction's."""

    when: str
    severity: Severity
    recommendation: str
    route: Route | None = None


class Interaction(Cited):
    """A potential drug-drug interaction in the PDDI minimum representation."""

    id: str
    object: InteractionObject
    rule: str = Field(
        pattern=r"^MRX-DDI-[0-9]{3}$",
        description="the rule whose alert it raises (an interaction rule in rules/)",
    )
    severity: Severity
    kind: Literal["pharmacokinetic", "pharmacodynamic", "both"]
    consequence: str
    mechanism: str
    exposure: Exposure | None = None
    recommendation: str
    modifiers: tuple[Modifier, ...] = ()
    evidence: tuple[Cited, ...] = ()
    note: str | None = None
    washout: Amount | None = Field(
        default=None,
        description="how long after the object drug is stopped the interaction still applies "
        "(cyclobenzaprine: within 14 days after an MAO inhibitor); a drug being stopped, or "
        "stopped within this time, still counts (cited, unit of time)",
    )


class Monograph(Frozen):
    """Everything the system knows about one ingredient."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    summary: str
    classes: tuple[str, ...]
    mechanism: Statement | None = None
    identifiers: Identifiers
    names: Names = Names()
    active_metabolites: tuple[ActiveMetabolite, ...] = ()
    products: tuple[Product, ...] = ()
    indications: tuple[Indication, ...] = ()
    dosing: tuple[Dosing, ...] = ()
    populations: Populations = Populations()
    contraindications: tuple[Contraindication, ...] = ()
    boxed_warnings: tuple[Warning, ...] = ()
    warnings: tuple[Warning, ...] = ()
    adverse_reactions: tuple[AdverseReaction, ...] = ()
    dependence: Dependence = Dependence()
    pk: Pk = Pk()
    interactions: tuple[Interaction, ...] = ()
    notes: tuple[Statement, ...] = ()


class RuleEvidence(Cited):
    note: str | None = None


class Ingredients(Frozen):
    """The ingredients a trigger term covers: one drug, or the members of a group (only those
    carrying `flag`, when given), or every ingredient carrying `flag`."""

    drug: str | None = None
    group: str | None = None
    flag: str | None = None


class SeverityStep(Cited):
    """A count of distinct ingredients from which a counted trigger's alert is graded higher, with
    the reason in words and its citation (MRX-DUP-001: three or more CNS-active drugs, Beers)."""

    at_least: int = Field(ge=2)
    severity: Severity
    reason: str = Field(min_length=3)


class Trigger(Frozen):
    """When a combination rule fires, as data that the safety check interprets and the
    screening compiles to SQL: each term of `all_of` active on the same days; or any drug
    covered by a term of `any_of` (with `with_condition`: only in a patient with one of those
    conditions, MRX-BEERS-006's dementia); or at least
    `at_least` distinct ingredients of `distinct_of` active together, unless every one of them is
    in `exempt_when_all`. `regular_use_only`: as-needed use does not count (a prescription can
    say so; exposure records cannot). `severity`: the alert's grade when it fires; `escalate`:
    higher grades from larger counts (a counted trigger only; checked at load)."""

    all_of: tuple[Ingredients, ...] = ()
    any_of: tuple[Ingredients, ...] = ()
    with_condition: tuple[str, ...] = ()
    distinct_of: Ingredients | None = None
    at_least: int | None = Field(default=None, ge=2)
    exempt_when_all: Ingredients | None = None
    regular_use_only: bool = False
    severity: Severity | None = None
    escalate: tuple[SeverityStep, ...] = ()

    def grade(self, count: int) -> tuple[Severity | None, SeverityStep | None]:
        """The severity for `count` distinct ingredients and the step that set it (None when
        the base severity holds)."""
        steps = [s for s in self.escalate if count >= s.at_least]
        if not steps:
            return self.severity, None
        step = max(steps, key=lambda s: s.at_least)
        return step.severity, step


SeveritySource = Literal[
    "trigger",
    "interaction",
    "monograph",
    "active_metabolite",
    "renal_adjustment",
    "hepatic_adjustment",
]
RuleSituation = Literal["dose_cut_sharply", "no_boxed_warning", "class_cross_sensitivity"]


class RuleSeverityStep(Frozen):
    """Another severity for a rule in a named situation (MRX-WD-001: a sharp cut rather than a
    stop; MRX-HEP-002: a liver warning that is not boxed). `below_fraction`: for a dose cut, the
    new daily dose below this fraction of the current one is a sharp cut. `note`: why, in words
    (a threshold chosen by the project says so)."""

    when: RuleSituation
    severity: Severity
    below_fraction: float | None = Field(default=None, gt=0, lt=1)
    note: str = Field(min_length=3)

    @model_validator(mode="after")
    def _fraction_for_cuts(self) -> RuleSeverityStep:
        if (self.when == "dose_cut_sharply") != (self.below_fraction is not None):
            raise ValueError("below_fraction goes with (and only with) when: dose_cut_sharply")
        return self


# Every field a rule's advice template may name (`RuleAdvice`, `RulePhrase`): the closed
# vocabulary of the values the checks pass, with what each holds. A template naming another
# field is a load error, so a typo cannot reach an alert as a literal "{drgu}".
ADVICE_FIELDS: Mapping[str, str] = {
    "action": "the knowledge entry's own advice (a kidney or liver adjustment's or a genotype "
    "entry's `action`)",
    "agents": "the drugs and classes involved, in words (MRX-DDI-004)",
    "allergy": "a recorded allergy, as recorded",
    "avoid": "what to stop or avoid, assembled from the rule's phrases (MRX-DDI-004)",
    "condition": "the patient's condition, lower case",
    "count": "how many drugs are involved",
    "days": "a number of days the patient has taken the drug",
    "dose": "a dose in mg (the labelled starting dose)",
    "drug": "the drug's name",
    "drug_id": "the drug's knowledge id (for a command such as `myorelax titrate`)",
    "duration": "a labelled duration with its unit, in words",
    "fraction": "the fraction of the usual dose, in words",
    "gene": "the gene of a pharmacogenomic entry",
    "group": "a drug class, in words",
    "groups": "further drug classes, in words",
    "interval": "a labelled interval, in words",
    "limit": "a labelled limit, a number (its unit is the template's or `unit`)",
    "mechanism": "the knowledge entry's own mechanism (an interaction's `mechanism`; a kidney "
    "adjustment's note or the monograph's first kidney statement)",
    "metabolites": "the drug's active metabolites, in words",
    "oud_drug": "the partner drug that may treat opioid use disorder (buprenorphine, methadone)",
    "other": "the other drug's name (of a pair)",
    "recommendation": "the knowledge entry's own recommendation (an interaction's, or its "
    "route-specific modifier's)",
    "routes": "the routes a route-specific entry concerns, in words (IV/IM)",
    "unit": "the unit of `limit`",
}


@lru_cache(maxsize=1024)
def template_fields(template: str) -> tuple[str, ...]:
    """The field names a `str.format` template uses; ValueError for a positional field (`{}`,
    `{0}`), a conversion or format spec, an attribute or index, or a malformed brace."""
    names: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name or name.isdigit():
            raise ValueError(f"positional field {{{name}}} in {template!r}: name the field")
        if spec or conversion:
            raise ValueError(f"field {{{name}}} has a format spec or conversion: give it plain")
        if not name.isidentifier():
            raise ValueError(f"field {{{name}}} is not a plain name (no attributes or indexes)")
        names.append(name)
    return tuple(names)


def _check_template(template: str) -> str:
    try:
        names = template_fields(template)
    except ValueError as exc:  # a malformed brace ("{drug") is said the same way
        raise ValueError(f"template {template!r}: {exc}") from None
    unknown = sorted(set(names) - set(ADVICE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field {', '.join('{' + n + '}' for n in unknown)} in {template!r}; "
            f"the fields are those of ADVICE_FIELDS: {', '.join(sorted(ADVICE_FIELDS))}"
        )
    return template


Template = Annotated[str, AfterValidator(_check_template)]


def fill(template: str, values: Mapping[str, str], where: tuple[str, str]) -> str:
    """`template` with its fields filled from `values`; a field without a value is a defect
    (KnowledgeError naming the rule file and the field), never a literal "{drug}" in an alert."""
    missing = [n for n in template_fields(template) if n not in values]
    if missing:
        from myorelax.errors import KnowledgeError

        why = f"the check gave no value for {', '.join('{' + n + '}' for n in missing)}"
        raise KnowledgeError([(where[0], where[1], why)])
    return template.format_map(values)


class RuleAdvice(Frozen):
    """What an alert of the rule says to do, and why, for one branch of the rule."""

    when: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="the branch of the rule this advice is for: `default` (exactly one per "
        "rule), or the name the check uses for another branch (MRX-CI-001's `renal_route`, "
        "MRX-DOSE-002's `labelled_range`)",
    )
    mechanism: Template = Field(
        min_length=3,
        description="why it matters: a str.format template with named fields of the "
        "vocabulary ADVICE_FIELDS ({drug}, {mechanism}...)",
    )
    recommendation: Template = Field(
        min_length=3,
        description="what to do: a str.format template with named fields of the vocabulary "
        "ADVICE_FIELDS ({drug}, {limit}, {action}...); `{action}` or `{recommendation}` alone "
        "where the knowledge entry's own advice is the single source",
    )


class RulePhrase(Frozen):
    """A named piece of advice that a check assembles into a list value (MRX-DDI-004's "stop or
    avoid {drug}" for each drug of the trigger, joined into `{avoid}`)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the name the check uses")
    text: Template = Field(
        min_length=3, description="a str.format template with fields of ADVICE_FIELDS"
    )


class Rule(Frozen):
    """A safety rule: its stable code, what it checks, and the evidence behind it."""

    code: str = Field(pattern=r"^MRX-[A-Z]+-[0-9]{3}$")
    name: str
    category: Literal[
        "dose",
        "duration",
        "population",
        "beers",
        "renal",
        "hepatic",
        "pharmacogenomics",
        "contraindication",
        "interaction",
        "duplication",
        "abuse",
        "withdrawal",
        "input",
    ]
    description: str
    severity: Severity | None = Field(
        default=None, description="the alert's severity when it is the same every time it fires"
    )
    severity_from: SeveritySource | None = Field(
        default=None,
        description="where the severity is taken from when it varies: the rule's trigger, the "
        "interaction entry, the monograph, its active-metabolite entry, or its kidney or liver "
        "adjustment",
    )
    severity_steps: tuple[RuleSeverityStep, ...] = Field(
        default=(), description="other severities in named situations (a fixed severity only)"
    )
    advice: tuple[RuleAdvice, ...] = Field(
        description="what the rule's alerts say to do and why (`mechanism`, `recommendation`), "
        "one entry per branch of the rule, `default` exactly once",
    )
    phrases: tuple[RulePhrase, ...] = Field(
        default=(),
        description="named pieces of advice a check assembles into a list value (MRX-DDI-004)",
    )
    applies_from_age: Amount | None = Field(
        default=None, description="the age from which the rule applies (years), with its source"
    )
    trigger: Trigger | None = None
    evidence: tuple[RuleEvidence, ...] = ()

    @model_validator(mode="after")
    def _one_severity(self) -> Rule:
        if (self.severity is None) == (self.severity_from is None):
            raise ValueError("give exactly one of severity and severity_from")
        if self.severity_steps and self.severity is None:
            raise ValueError("severity_steps need a fixed severity to step from")
        if self.severity_from == "trigger" and self.trigger is None:
            raise ValueError("severity_from: trigger needs a trigger")
        if self.trigger is not None and self.trigger.severity and self.severity_from != "trigger":
            raise ValueError("a trigger with a severity needs severity_from: trigger")
        return self

    @field_validator("advice")
    @classmethod
    def _advice_branches(cls, advice: tuple[RuleAdvice, ...]) -> tuple[RuleAdvice, ...]:
        branches = [a.when for a in advice]
        if branches.count("default") != 1:
            raise ValueError(
                "advice needs exactly one branch `when: default` "
                f"(found {branches.count('default')})"
            )
        twice = sorted({b for b in branches if branches.count(b) > 1})
        if twice:
            raise ValueError(f"advice branch {', '.join(twice)} given more than once")
        return advice

    @field_validator("phrases")
    @classmethod
    def _unique_phrases(cls, phrases: tuple[RulePhrase, ...]) -> tuple[RulePhrase, ...]:
        names = [p.name for p in phrases]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"phrase {', '.join(twice)} given more than once")
        return phrases

    def advised(self, when: str, values: Mapping[str, str]) -> tuple[str, str]:
        """(mechanism, recommendation) of the advice branch `when`, filled from `values`; an
        unknown branch or a missing value is a defect (KnowledgeError)."""
        found = next((a for a in self.advice if a.when == when), None)
        if found is not None:
            try:  # the common case, on every alert: every field has its value
                return found.mechanism.format_map(values), found.recommendation.format_map(values)
            except KeyError:
                pass  # said below, by `fill`, naming the rule file and the field
        where = f"rules/{self.code}.yaml"
        if found is None:
            from myorelax.errors import KnowledgeError

            why = f"the check asks for the advice branch {when!r}, which the rule does not have"
            raise KnowledgeError([(where, "advice", why)])
        field = f"advice[when={when}]"
        return (
            fill(found.mechanism, values, (where, f"{field}.mechanism")),
            fill(found.recommendation, values, (where, f"{field}.recommendation")),
        )

    def phrase(self, name: str, values: Mapping[str, str]) -> str:
        """The rule's phrase `name` filled from `values` (KnowledgeError when it has none)."""
        where = f"rules/{self.code}.yaml"
        found = next((p for p in self.phrases if p.name == name), None)
        if found is None:
            from myorelax.errors import KnowledgeError

            raise KnowledgeError([(where, "phrases", f"the rule has no phrase {name!r}")])
        return fill(found.text, values, (where, f"phrases[name={name}]"))

    def step(self, when: RuleSituation) -> RuleSeverityStep | None:
        """The severity step for the situation `when`, if the rule has one."""
        return next((s for s in self.severity_steps if s.when == when), None)

    def graded(self, *situations: RuleSituation) -> Severity:
        """The rule's fixed severity, or that of the first of `situations` it has a step for."""
        for when in situations:
            found = self.step(when)
            if found is not None:
                return found.severity
        if self.severity is not None:
            return self.severity
        if self.severity_from == "trigger" and self.trigger and self.trigger.severity:
            return self.trigger.severity
        from myorelax.errors import KnowledgeError

        why = f"the severity comes from the {self.severity_from}: the check must pass it"
        raise KnowledgeError([(f"rules/{self.code}.yaml", "severity_from", why)])

    def severity_text(self) -> str:
        """The severity in words, for the rule registry."""
        if self.severity_from == "trigger" and self.trigger and self.trigger.severity:
            steps = "; ".join(f"{e.severity} from {e.at_least}" for e in self.trigger.escalate)
            return f"{self.trigger.severity} ({steps})" if steps else self.trigger.severity
        if self.severity is None:
            return f"from the {str(self.severity_from).replace('_', ' ')}"
        steps = "; ".join(
            f"{s.severity} when {s.when.replace('_', ' ')}" for s in self.severity_steps
        )
        return f"{self.severity} ({steps})" if steps else self.severity

    def from_age_years(self) -> float | None:
        """The age (years) from which the rule applies, if it has one."""
        if self.applies_from_age is None:
            return None
        from myorelax.units import convert

        return convert(self.applies_from_age.lower, self.applies_from_age.unit, "year")


CarePlanCategory = Literal[
    "physical_therapy",
    "occupational_therapy",
    "exercise",
    "stress_management",
    "sleep",
    "analgesia",
    "education",
]


class CareAudience(Cited):
    """Whom a care-plan item is written for, as its own source scopes it: an age band, the
    conditions it is about, the route of the drug. An item is left out of a patient's plan when a
    recorded fact puts the patient outside it (an age outside the band, a route that differs) or
    when it is about conditions none of which is recorded; the plan says what it left out."""

    label: str = Field(min_length=3)
    age_below_years: float | None = Field(default=None, gt=0, le=130)
    age_from_years: float | None = Field(default=None, ge=0, le=130)
    conditions_any: tuple[str, ...] = ()
    routes: tuple[Literal["oral", "intrathecal"], ...] = ()


class CareGoal(Cited):
    """A goal of the non-drug plan, with how progress is measured."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str
    measure: str | None = None
    audience: CareAudience | None = None


class CareActivity(Cited):
    """A non-drug activity (therapy, exercise, sleep, simple analgesia) with its cautions."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: CarePlanCategory
    text: str
    frequency: str | None = None
    caution: str | None = None
    audience: CareAudience | None = None


class CarePlanTemplate(Frozen):
    """The non-drug parts of treatment that go with a group of drugs."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    drugs: tuple[str, ...]
    goals: tuple[CareGoal, ...]
    activities: tuple[CareActivity, ...]


class CarePlanFile(Frozen):
    careplans: tuple[CarePlanTemplate, ...] = ()


class KnowledgeBase(Frozen):
    """The whole validated knowledge base."""

    manifest: Manifest
    sources: Mapping[str, Source]
    groups: Mapping[str, Group]
    conditions: Mapping[str, Condition]
    drugs: Mapping[str, Monograph]
    rules: Mapping[str, Rule] = {}
    careplans: Mapping[str, CarePlanTemplate] = {}
    patient_states: PatientStates

    @property
    def version(self) -> str:
        return self.manifest.version
