"""What every check sees: the knowledge base, the patient, kidney function, and the drugs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from myorelax.clinical.patient import KidneyFunction, Patient
from myorelax.clinical.recorded_conditions import recorded_kidney_function, with_implied_conditions
from myorelax.clinical.regimen import Order, Regimen
from myorelax.knowledge.schema import Cited, Ingredients, KnowledgeBase, Monograph, Rule, Source
from myorelax.knowledge.terminology import Ingredient, Terminology
from myorelax.safety.alert import Evidence

ALCOHOL = "ethanol"


@dataclass(frozen=True)
class Active:
    """A drug the patient will be taking: a new order or a continuing medication."""

    drug: str
    name: str
    order: Order | None
    is_order: bool
    groups: frozenset[str]
    flags: frozenset[str]

    def covered_by(self, term: Ingredients) -> bool:
        """Whether a rule trigger's term covers this drug (every part it names must hold)."""
        return (
            (term.drug is None or self.drug == term.drug)
            and (term.group is None or term.group in self.groups)
            and (term.flag is None or term.flag in self.flags)
        )


@dataclass
class CheckContext:
    kb: KnowledgeBase
    terminology: Terminology
    patient: Patient
    regimen: Regimen
    today: date
    kidney: KidneyFunction = field(init=False)
    # The conditions as recorded, before those they imply were added to `patient`: what tells
    # 'open-angle glaucoma' from a glaucoma recorded without its kind.
    recorded_conditions: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.recorded_conditions = self.patient.has_condition
        self.patient = with_implied_conditions(self.patient, self.kb)
        self.kidney = recorded_kidney_function(self.patient, self.kb)

    # -- drugs ---------------------------------------------------------------------------
    @cached_property
    def stopping_ids(self) -> frozenset[str]:
        return frozenset(o.drug for o in self.regimen.stopping)

    @cached_property
    def active(self) -> tuple[Active, ...]:
        """Orders, then continuing medications not replaced by an order nor being stopped, then
        alcohol when the patient drinks."""
        out: list[Active] = []
        ordered = {o.drug for o in self.regimen.orders}
        for o in self.regimen.orders:
            out.append(self._active(o.drug, o, is_order=True))
        for m in self.patient.medications:
            if m.drug in ordered or m.drug in self.stopping_ids:
                continue
            if any(a.drug == m.drug for a in out):
                continue
            out.append(self._active(m.drug, m, is_order=False))
        if self.patient.alcohol and ALCOHOL in self.terminology.ingredients:
            out.append(self._active(ALCOHOL, None, is_order=False))
        # A fixed order (orders first, then by ingredient) keeps reports deterministic whatever
        # order the medications were listed in.
        return tuple(sorted(out, key=lambda a: (not a.is_order, a.drug)))

    @cached_property
    def stopped(self) -> tuple[Active, ...]:
        """The drugs being stopped (not ordered again) and those the record shows stopped
        recently (not taken now), as partners of the interactions that outlast the last dose
        (an interaction with a `washout`: MAO inhibitors). Their stop dates: `stopped_on`."""
        taken = {o.drug for o in self.regimen.orders} | {m.drug for m in self.patient.medications}
        out = {
            o.drug: self._active(o.drug, o, is_order=False)
            for o in self.regimen.stopping
            if o.drug not in taken
        }
        for m in self.patient.stopped_medications:
            if m.order.drug not in taken and m.order.drug not in out:
                out[m.order.drug] = self._active(m.order.drug, m.order, is_order=False)
        return tuple(out[d] for d in sorted(out))

    @cached_property
    def stopped_on(self) -> dict[str, date | None]:
        """When each of `stopped` was stopped: None when not known (a drug being stopped now by
        this regimen counts as stopped today)."""
        out: dict[str, date | None] = {o.drug: self.today for o in self.regimen.stopping}
        for m in self.patient.stopped_medications:
            out.setdefault(m.order.drug, m.stopped_on)
        return {a.drug: out.get(a.drug) for a in self.stopped}

    def line(self, medication: Order) -> Active:
        """A current medication line as a drug taken (one `active` does not keep: a second line
        of a drug already there, for the checks that judge every line)."""
        return self._active(medication.drug, medication, is_order=False)

    def _active(self, drug: str, order: Order | None, *, is_order: bool) -> Active:
        ing: Ingredient = self.terminology.ingredient(drug)
        return Active(
            drug=drug,
            name=ing.name,
            order=order,
            is_order=is_order,
            groups=frozenset(ing.groups),
            flags=frozenset(ing.flags),
        )

    @cached_property
    def subjects(self) -> tuple[Active, ...]:
        """The drugs the check is about: the orders; with no orders, the current muscle relaxants
        and other drugs with a monograph (a review of current therapy)."""
        orders = tuple(a for a in self.active if a.is_order)
        if orders:
            return orders
        return tuple(a for a in self.active if a.drug in self.kb.drugs)

    def monograph(self, a: Active) -> Monograph | None:
        return self.kb.drugs.get(a.drug)

    def current_order(self, drug: str) -> Order | None:
        """The patient's current medication of this ingredient, if any (the first line)."""
        return next((m for m in self.patient.medications if m.drug == drug), None)

    def current_lines(self, drug: str) -> tuple[Order, ...]:
        """Every current medication line of this ingredient (a split dose is several)."""
        return tuple(m for m in self.patient.medications if m.drug == drug)

    # -- evidence ------------------------------------------------------------------------
    def evidence(self, *cited: Cited | None, rule: Rule | None = None) -> tuple[Evidence, ...]:
        items: list[Evidence] = []
        seen: set[tuple[str, str | None]] = set()
        refs = [c for c in cited if c is not None and c.source]
        if rule is not None:
            refs += list(rule.evidence)
        for c in refs:
            assert c.source is not None
            key = (c.source, c.section)
            if key in seen or c.source not in self.kb.sources:
                continue
            seen.add(key)
            items.append(_evidence(self.kb.sources[c.source], c.section))
        return tuple(items)

    def rule(self, code: str) -> Rule:
        return self.kb.rules[code]

    def involved(self, *actives: Active) -> bool:
        """A combination is reported when an order takes part in it (or in a review of the
        current medications alone, with no orders)."""
        return (not self.has_orders) or any(a.is_order for a in actives)

    @cached_property
    def has_orders(self) -> bool:
        return any(a.is_order for a in self.active)

    def triggered(self, code: str) -> list[Active]:
        """The drugs that fire rule `code`'s `all_of` or `any_of` trigger (every term of
        `all_of` covered, or any drug covered by a term of `any_of`, in a patient with one of
        `with_condition` when it is given), with an order among them; empty when it does not
        fire. The trigger's kind is checked at load."""
        trigger = self.rule(code).trigger
        assert trigger is not None and (trigger.all_of or trigger.any_of), code
        if trigger.with_condition and not set(trigger.with_condition) & self.patient.has_condition:
            return []
        if trigger.all_of:
            found = [[a for a in self.active if a.covered_by(t)] for t in trigger.all_of]
            if not all(found):
                return []
            hits = list(dict.fromkeys(a for group in found for a in group))
        else:
            hits = [a for a in self.active if any(a.covered_by(t) for t in trigger.any_of)]
        return hits if hits and self.involved(*hits) else []

    def from_age(self, code: str) -> float:
        """The age from which rule `code` applies (its `applies_from_age`, with its source)."""
        age = self.kb.rules[code].from_age_years()
        assert age is not None, f"{code} has no applies_from_age"
        return age


@lru_cache(maxsize=4096)
def _evidence(src: Source, section: str | None) -> Evidence:
    """One citation of a source (immutable, so shared between alerts: a check builds dozens)."""
    return Evidence(source=src.id, title=src.title, url=src.link, section=section)
