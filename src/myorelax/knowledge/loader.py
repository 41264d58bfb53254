"""Load the knowledge base from YAML and check it whole before anything uses it.

`load_knowledge()` returns a frozen `KnowledgeBase` or raises `KnowledgeError` listing every
problem as (file, field, problem). The checks: the schema (pydantic, unknown fields forbidden);
every source id resolves; every number has a unit that pint parses, fits its field and lies in a
plausible range, and an effective citation (its own or its enclosing block's); every class,
class member, condition, metabolite, product and interaction partner resolves; RxCUIs agree.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from myorelax.cache import read_cached, write_cached
from myorelax.errors import KnowledgeError
from myorelax.knowledge.products import INDEX_FILE, ProductIndex, load_index
from myorelax.knowledge.schema import (
    SEVERITY_ORDER,
    Amount,
    CareActivity,
    CareAudience,
    CareGoal,
    CarePlanFile,
    CarePlanTemplate,
    CategoricalCovariate,
    Condition,
    ConditionFile,
    Group,
    GroupFile,
    KnowledgeBase,
    Manifest,
    Monograph,
    PatientStates,
    Rule,
    Source,
    SourceFile,
    Trigger,
    implied_conditions,
)
from myorelax.units import convert, has_dimension, unit_info

log = logging.getLogger(__name__)

Problem = tuple[str, str, str]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class _Range:
    """Expected dimension (as a reference unit) and plausible bounds in that unit."""

    unit: str
    low: float
    high: float


_TIME = _Range("h", 0.0, 24 * 365 * 120)
_DOSE = _Range("mg", 0.0, 20_000.0)
_RATIO = _Range("dimensionless", 0.0, 1000.0)
_FRACTION = _Range("dimensionless", 0.0, 1.0)
_RENAL = _Range("mL/min", 0.0, 250.0)

# Plausibility by field name. A field whose unit can have more than one dimension (a dose may be
# mg, mg/kg, mg/mL or mcg/day) lists alternatives.
_PLAUSIBLE: dict[str, tuple[_Range, ...]] = {
    "half_life": (_Range("h", 0.05, 500.0),),
    "tmax": (_Range("h", 0.0, 48.0),),
    "onset": (_TIME,),
    "duration_of_effect": (_TIME,),
    "max_duration": (_TIME,),
    "min_duration": (_TIME,),
    "suggested_duration": (_TIME,),
    "applies_after": (_TIME,),
    "step_interval": (_TIME,),
    "interval": (_TIME, _DOSE),
    "tlag": (_Range("h", 0.0, 12.0),),
    "min_age": (_Range("year", 0.0, 120.0),),
    "min_age_routes": (_Range("year", 0.0, 120.0),),
    "max_increase": (_Range("percent", 0.0, 100.0),),
    "from_age": (_Range("year", 0.0, 120.0),),
    "through_age": (_Range("year", 0.0, 120.0),),
    "cmax": (_Range("mg/L", 0.0, 10_000.0),),
    "cmin": (_Range("mg/L", 0.0, 10_000.0),),
    "auc_inf": (_Range("mg*h/L", 0.0, 1e6),),
    "auc_tau": (_Range("mg*h/L", 0.0, 1e6),),
    "auc_last": (_Range("mg*h/L", 0.0, 1e6),),
    "ka": (_Range("1/h", 0.001, 100.0),),
    "cl": (_Range("L/h", 0.001, 2000.0), _Range("L/h/kg", 0.0001, 50.0)),
    "clearance": (_Range("L/h", 0.001, 2000.0), _Range("L/h/kg", 0.0001, 50.0)),
    "q": (_Range("L/h", 0.001, 2000.0),),
    "v": (_Range("L", 0.1, 50_000.0), _Range("L/kg", 0.01, 500.0)),
    "v2": (_Range("L", 0.1, 50_000.0), _Range("L/kg", 0.01, 500.0)),
    "volume": (_Range("L", 0.1, 50_000.0), _Range("L/kg", 0.01, 500.0)),
    "f": (_FRACTION,),
    "bioavailability": (_FRACTION,),
    "protein_binding": (_FRACTION,),
    "fraction_excreted_unchanged": (_FRACTION,),
    "fraction_renal": (_FRACTION,),
    "fraction_formed": (_FRACTION,),
    "step_fraction": (_FRACTION,),
    "step_amount": (_Range("mg/day", 0.0, 10_000.0),),
    "dose_fraction": (_FRACTION,),
    "mw_ratio": (_Range("dimensionless", 0.05, 20.0),),
    "incidence": (_Range("percent", 0.0, 100.0),),
    "placebo": (_Range("percent", 0.0, 100.0),),
    "cv": (_Range("percent", 0.0, 300.0),),
    "auc_ratio": (_RATIO,),
    "cmax_ratio": (_RATIO,),
    "half_life_ratio": (_RATIO,),
    "metabolite_auc_ratio": (_RATIO,),
    "factor": (_RATIO,),
    "exponent": (_Range("dimensionless", -3.0, 3.0),),
    "reference": (_Range("kg", 0.5, 300.0), _Range("year", 0.0, 120.0)),
    "reference_crcl": (_RENAL,),
    "crcl_below": (_RENAL,),
    "crcl_from": (_RENAL,),
    "egfr_below": (_Range("mL/min", 0.0, 250.0),),
    "egfr_from": (_Range("mL/min", 0.0, 250.0),),
    "doses_per_day": (_Range("dimensionless", 0.0, 24.0),),
    "max_doses_per_day": (_Range("dimensionless", 0.0, 24.0),),
    "start": (
        _DOSE,
        _Range("mg/kg", 0.0, 100.0),
        _Range("mg/day", 0.0, 20_000.0),
        _Range("mg/kg/day", 0.0, 100.0),
    ),
    "usual_dose": (
        _DOSE,
        _Range("mg/kg", 0.0, 100.0),
        _Range("mg/day", 0.0, 20_000.0),
        _Range("mg/kg/day", 0.0, 100.0),
    ),
    "max_single": (_DOSE, _Range("mg/kg", 0.0, 100.0)),
    "max_daily": (
        _DOSE,
        _Range("mg/day", 0.0, 20_000.0),
        _Range("mg/kg", 0.0, 100.0),
        _Range("mg/kg/day", 0.0, 100.0),
    ),
    "step": (_DOSE, _Range("mg/day", 0.0, 20_000.0), _Range("mg/kg", 0.0, 100.0)),
    "dose": (_DOSE, _Range("mg/kg", 0.0, 100.0), _Range("mg/day", 0.0, 20_000.0)),
    "strengths": (_DOSE, _Range("mg/mL", 0.0, 1000.0), _Range("mg/actuation", 0.0, 1000.0)),
}

# Fractions may be written as percent; both are the dimensionless dimension in pint.


def _data_root() -> Traversable:
    return resources.files("myorelax.knowledge") / "data"


def _read_yaml(node: Traversable, label: str, problems: list[Problem]) -> Any:
    # Imported here: a load from the compiled snapshot reads no YAML (start-up, issue 18).
    import yaml

    # libyaml's safe loader where PyYAML was built with it (same documents, about 10x faster:
    # the knowledge folder is read in 0.1 s instead of 1 s); the pure-Python one otherwise.
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(node.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        problems.append((label, "-", f"YAML does not parse: {exc}".replace("\n", " ")))
    except OSError as exc:
        problems.append((label, "-", f"cannot be read: {exc}"))
    return None


def _parse(model: type[M], data: Any, label: str, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "-"
            problems.append((label, loc, err["msg"]))
    return None


def _yaml_files(folder: Traversable) -> list[Traversable]:
    if not folder.is_dir():
        return []
    return sorted(
        (f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name
    )


def _check_citations_and_amounts(
    obj: BaseModel, label: str, sources: Mapping[str, Source], problems: list[Problem]
) -> None:
    """Every `source` resolves; every Amount has a unit that fits and an effective source."""

    def visit(node: Any, path: str, field: str, inherited: str | None) -> None:
        if isinstance(node, BaseModel):
            own = getattr(node, "source", None)
            if isinstance(own, str) and own not in sources:
                problems.append((label, f"{path}.source", f"unknown source id {own!r}"))
            effective = own if isinstance(own, str) else inherited
            if isinstance(node, Amount):
                _check_amount(node, path, field, effective, label, problems)
            for name in type(node).model_fields:
                if name == "also_reported":
                    for i, alt in enumerate(node.also_reported):  # type: ignore[attr-defined]
                        visit(alt, f"{path}.also_reported.{i}", field, None)
                    continue
                sub = f"{path}.{name}" if path else name
                visit(getattr(node, name), sub, name, effective)
        elif isinstance(node, tuple | list):
            for i, item in enumerate(node):
                visit(item, f"{path}.{i}", field, inherited)

    visit(obj, "", "", None)


def _check_amount(
    amount: Amount,
    path: str,
    field: str,
    source: str | None,
    label: str,
    problems: list[Problem],
) -> None:
    if source is None:
        problems.append((label, path, "number without a source (cite it here or on its block)"))
    unit = unit_info(amount.unit)
    if unit is None:
        problems.append((label, f"{path}.unit", f"{amount.unit!r} is not a valid unit"))
        return
    ranges = _PLAUSIBLE.get(field)
    if not ranges:
        return
    for rng in ranges:
        ref = unit_info(rng.unit)
        if ref is None or unit.dims != ref.dims:
            continue
        for bound_name in ("value", "low", "high"):
            raw = getattr(amount, bound_name)
            if raw is None:
                continue
            mag = float(raw) * unit.scale / ref.scale
            if not rng.low <= mag <= rng.high:
                problems.append(
                    (
                        label,
                        f"{path}.{bound_name}",
                        f"{raw:g} {amount.unit} is implausible for {field} "
                        f"(expected {rng.low:g}-{rng.high:g} {rng.unit})",
                    )
                )
        return
    expected = " or ".join(r.unit for r in ranges)
    problems.append(
        (label, f"{path}.unit", f"{amount.unit!r} does not fit {field} (expected like {expected})")
    )


def _index_members(groups: Mapping[str, Group], problems: list[Problem]) -> dict[str, str | None]:
    """Member name -> RxCUI (None for a member known by name only) over all groups; an
    ingredient must have one RxCUI everywhere (or none everywhere), and a member without one
    must say why in its note."""
    rxcui_of: dict[str, str | None] = {}
    for group in groups.values():
        for i, member in enumerate(group.members):
            if member.rxcui is None and not (member.note or "").strip():
                problems.append(
                    (
                        "groups",
                        f"{group.id}.members.{i}.note",
                        f"{member.name} has no rxcui: its note must say why",
                    )
                )
            if member.name not in rxcui_of:
                rxcui_of[member.name] = member.rxcui
                continue
            seen = rxcui_of[member.name]
            if seen != member.rxcui:
                problems.append(
                    (
                        "groups",
                        f"{group.id}.members.{i}.rxcui",
                        f"{member.name} has {_code_text(member.rxcui)} here but "
                        f"{_code_text(seen)} elsewhere",
                    )
                )
    return rxcui_of


def _check_group_names(
    groups: Mapping[str, Group], members: Mapping[str, str | None], problems: list[Problem]
) -> None:
    """A name written for a class (its id with spaces, or a synonym) names one class and no
    drug: 'benzos' in an allergy list must mean one thing."""
    seen = {g.id.replace("_", " "): g.id for g in groups.values()}
    for group in groups.values():
        for name in group.synonyms:
            key = name.strip().lower()
            where = ("groups", f"{group.id}.synonyms")
            if key in seen and seen[key] != group.id:
                problems.append((*where, f"{name!r} also names group {seen[key]!r}"))
            elif key in members:
                problems.append((*where, f"{name!r} is also a drug's name"))
            seen[key] = group.id


def _code_text(rxcui: str | None) -> str:
    return "no RxCUI" if rxcui is None else f"RxCUI {rxcui}"


def _check_monograph(
    drug: Monograph,
    label: str,
    kb_groups: Mapping[str, Group],
    member_rxcui: Mapping[str, str | None],
    conditions: Mapping[str, Any],
    drug_ids: frozenset[str],
    problems: list[Problem],
) -> None:
    def known_drug(name: str) -> bool:
        return name in drug_ids or name in member_rxcui

    rx = drug.identifiers.rxcui.value
    if not rx.isdigit():
        problems.append((label, "identifiers.rxcui.value", f"{rx!r} is not an RxCUI"))
    if drug.id in member_rxcui and member_rxcui[drug.id] != rx:
        problems.append(
            (
                label,
                "identifiers.rxcui.value",
                f"RxCUI {rx} disagrees with groups ({_code_text(member_rxcui[drug.id])})",
            )
        )
    schedules = {"II", "III", "IV", "V", "not_controlled"}
    if drug.identifiers.dea_schedule.value not in schedules:
        problems.append(
            (label, "identifiers.dea_schedule.value", f"must be one of {sorted(schedules)}")
        )
    for i, cls in enumerate(drug.classes):
        if cls not in kb_groups:
            problems.append((label, f"classes.{i}", f"unknown group {cls!r}"))
        elif drug.id not in {m.name for m in kb_groups[cls].members}:
            problems.append((label, f"classes.{i}", f"{drug.id} is not a member of group {cls!r}"))
    for i, met in enumerate(drug.active_metabolites):
        if met.drug not in drug_ids and met.drug not in member_rxcui:
            problems.append((label, f"active_metabolites.{i}.drug", f"unknown drug {met.drug!r}"))
    model = drug.pk.model
    if model and model.metabolite and not known_drug(model.metabolite.drug):
        problems.append(
            (label, "pk.model.metabolite.drug", f"unknown drug {model.metabolite.drug!r}")
        )
    for i, cov in enumerate(drug.pk.covariates):
        if not isinstance(cov, CategoricalCovariate):
            continue
        where = f"pk.covariates.{i}.from_age"
        if cov.covariate == "age_group" and cov.from_age is None:
            problems.append((label, where, "an age_group covariate needs the age its group starts"))
        elif cov.covariate != "age_group" and cov.from_age is not None:
            problems.append((label, where, "only an age_group covariate has an age"))
        elif cov.from_age is not None and not has_dimension(cov.from_age.unit, "year"):
            problems.append((label, f"{where}.unit", "must be an age (years)"))
    product_ids = [p.id for p in drug.products]
    if len(set(product_ids)) != len(product_ids):
        problems.append((label, "products", "product ids are not unique"))
    indication_ids = {i.id for i in drug.indications}
    for i, dosing in enumerate(drug.dosing):
        if dosing.population == "geriatric" and dosing.from_age is None:
            problems.append((label, f"dosing.{i}.from_age", "a geriatric entry needs its age"))
        if dosing.from_age is not None and not has_dimension(dosing.from_age.unit, "year"):
            problems.append((label, f"dosing.{i}.from_age.unit", "must be an age (years)"))
        for j, pid in enumerate(dosing.products):
            if pid not in product_ids:
                problems.append((label, f"dosing.{i}.products.{j}", f"unknown product {pid!r}"))
        for c in dosing.for_conditions:
            if c not in conditions:
                problems.append((label, f"dosing.{i}.for_conditions", f"unknown condition {c!r}"))
        if dosing.indication and dosing.indication not in indication_ids:
            problems.append(
                (label, f"dosing.{i}.indication", f"unknown indication {dosing.indication!r}")
            )
        if dosing.usual_dose_is_labelled_range and dosing.usual_dose is None:
            problems.append(
                (label, f"dosing.{i}.usual_dose", "a labelled range needs its usual_dose")
            )
    product_routes = {p.route for p in drug.products}
    seen_routes: set[str] = set()
    for i, entry in enumerate(drug.populations.min_age_routes):
        if not has_dimension(entry.unit, "year"):
            problems.append((label, f"populations.min_age_routes.{i}.unit", "must be an age"))
        for route in entry.routes:
            if route in seen_routes:
                problems.append(
                    (label, f"populations.min_age_routes.{i}", f"route {route!r} given twice")
                )
            if route not in product_routes:
                problems.append((label, f"populations.min_age_routes.{i}", f"no {route} product"))
            seen_routes.add(route)
    interaction_ids = [x.id for x in drug.interactions]
    if len(set(interaction_ids)) != len(interaction_ids):
        problems.append((label, "interactions", "interaction ids are not unique"))
    for i, ci in enumerate(drug.contraindications):
        if ci.condition and ci.condition not in conditions:
            problems.append(
                (label, f"contraindications.{i}.condition", f"unknown condition {ci.condition!r}")
            )
        if ci.allergy and not (known_drug(ci.allergy) or ci.allergy in kb_groups):
            problems.append(
                (label, f"contraindications.{i}.allergy", f"unknown drug or group {ci.allergy!r}")
            )
        if ci.interaction and ci.interaction not in interaction_ids:
            problems.append(
                (
                    label,
                    f"contraindications.{i}.interaction",
                    f"unknown interaction {ci.interaction!r}",
                )
            )
        for j, cid in enumerate(ci.exempt):
            if ci.condition is None or ci.condition not in implied_conditions(cid, conditions):
                problems.append(
                    (
                        label,
                        f"contraindications.{i}.exempt.{j}",
                        f"{cid!r} is not a known kind of the condition {ci.condition!r}",
                    )
                )
        if ci.renal is not None:
            for j, cid in enumerate(ci.renal.conditions):
                if cid not in conditions:
                    problems.append(
                        (
                            label,
                            f"contraindications.{i}.renal.conditions.{j}",
                            f"unknown condition {cid!r}",
                        )
                    )
            for name in ("crcl_below", "egfr_below"):
                amount = getattr(ci.renal, name)
                if amount is not None and not has_dimension(amount.unit, "mL/min"):
                    problems.append(
                        (label, f"contraindications.{i}.renal.{name}.unit", "must be mL/min")
                    )
    for i, w in enumerate(drug.warnings):
        for j, cid in enumerate(w.conditions):
            if cid not in conditions:
                problems.append(
                    (label, f"warnings.{i}.conditions.{j}", f"unknown condition {cid!r}")
                )
    releases = {p.release for p in drug.products}
    for i, hep in enumerate(drug.populations.hepatic.adjustments):
        if hep.release is not None and hep.release not in releases:
            problems.append(
                (
                    label,
                    f"populations.hepatic.adjustments.{i}.release",
                    f"no {hep.release}-release product",
                )
            )
    for i, beers in enumerate(drug.populations.beers):
        if beers.condition and beers.condition not in conditions:
            problems.append(
                (
                    label,
                    f"populations.beers.{i}.condition",
                    f"unknown condition {beers.condition!r}",
                )
            )
    withdrawal = drug.dependence.withdrawal
    if withdrawal is not None:
        for i, sign in enumerate(withdrawal.serious_signs):
            if sign not in withdrawal.signs:
                problems.append(
                    (
                        label,
                        f"dependence.withdrawal.serious_signs.{i}",
                        f"{sign!r} is not among the withdrawal signs",
                    )
                )
    for i, inter in enumerate(drug.interactions):
        obj = inter.object
        if obj.group and obj.group not in kb_groups:
            problems.append(
                (label, f"interactions.{i}.object.group", f"unknown group {obj.group!r}")
            )
        if obj.drug and not known_drug(obj.drug):
            problems.append((label, f"interactions.{i}.object.drug", f"unknown drug {obj.drug!r}"))
        if obj.condition and obj.condition not in conditions:
            problems.append(
                (
                    label,
                    f"interactions.{i}.object.condition",
                    f"unknown condition {obj.condition!r}",
                )
            )


def _named_files(
    base: Traversable, folder: str, model: type[M], key: str, problems: list[Problem]
) -> Iterator[tuple[str, M]]:
    """Each file of a folder parsed as `model`, whose `key` field must match the file name."""
    for node in _yaml_files(base / folder):
        label = f"{folder}/{node.name}"
        item = _parse(model, _read_yaml(node, label, problems), label, problems)
        if item is None:
            continue
        value = getattr(item, key)
        if node.name.rsplit(".", 1)[0] != value:
            problems.append((label, key, f"{key} {value!r} does not match the file name"))
        yield label, item


def validate_knowledge(
    root: Traversable | Path | None = None,
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load and check the knowledge base; return it (or None) with every problem found."""
    base: Traversable = Path(root) if isinstance(root, str | Path) else (root or _data_root())
    problems: list[Problem] = []

    manifest = _parse(
        Manifest,
        _read_yaml(base / "manifest.yaml", "manifest.yaml", problems),
        "manifest.yaml",
        problems,
    )

    sources: dict[str, Source] = {}
    for node in _yaml_files(base / "sources"):
        label = f"sources/{node.name}"
        parsed = _parse(SourceFile, _read_yaml(node, label, problems), label, problems)
        for src in parsed.sources if parsed else ():
            if src.id in sources:
                problems.append((label, src.id, "source id defined twice"))
            sources[src.id] = src

    groups: dict[str, Group] = {}
    group_nodes = _yaml_files(base / "groups")
    for node in group_nodes:
        label = f"groups/{node.name}"
        parsed_groups = _parse(GroupFile, _read_yaml(node, label, problems), label, problems)
        for grp in parsed_groups.groups if parsed_groups else ():
            if grp.id in groups:
                problems.append((label, grp.id, "group id defined twice"))
            groups[grp.id] = grp
            _check_citations_and_amounts(grp, f"{label}:{grp.id}", sources, problems)
            if grp.source is None:
                problems.append((label, f"{grp.id}.source", "a group needs a source"))

    cond_file = _parse(
        ConditionFile,
        _read_yaml(base / "conditions.yaml", "conditions.yaml", problems),
        "conditions.yaml",
        problems,
    )
    conditions = {c.id: c for c in cond_file.conditions} if cond_file else {}
    _check_conditions(conditions, sources, problems)
    patient_states = _load_patient_states(base, sources, problems)

    member_rxcui = _index_members(groups, problems)
    _check_group_names(groups, member_rxcui, problems)

    drugs: dict[str, Monograph] = {}
    for _label, drug in _named_files(base, "drugs", Monograph, "id", problems):
        drugs[drug.id] = drug
    drug_ids = frozenset(drugs)
    for drug_id, drug in drugs.items():
        label = f"drugs/{drug_id}.yaml"
        _check_citations_and_amounts(drug, label, sources, problems)
        _check_monograph(drug, label, groups, member_rxcui, conditions, drug_ids, problems)

    rules: dict[str, Rule] = {}
    for label, rule in _named_files(base, "rules", Rule, "code", problems):
        if not rule.evidence:
            problems.append((label, "evidence", "a rule needs at least one cited source"))
        _check_citations_and_amounts(rule, label, sources, problems)
        if rule.trigger is not None:
            _check_trigger(rule.trigger, label, groups, member_rxcui, conditions, problems)
        rules[rule.code] = rule
    for drug_id, drug in drugs.items():
        for i, inter in enumerate(drug.interactions):
            found = rules.get(inter.rule)
            if found is None or found.category != "interaction":
                problems.append(
                    (
                        f"drugs/{drug_id}.yaml",
                        f"interactions.{i}.rule",
                        f"{inter.rule!r} is not an interaction rule in rules/",
                    )
                )

    careplans = _load_careplans(base, sources, drug_ids, frozenset(conditions), problems)
    _check_product_index(base, sources, problems)

    if problems or manifest is None or patient_states is None:
        return None, problems
    kb = KnowledgeBase(
        manifest=manifest,
        sources=sources,
        groups=groups,
        conditions=conditions,
        drugs=drugs,
        rules=rules,
        careplans=careplans,
        patient_states=patient_states,
    )
    return kb, problems


def _check_product_index(
    base: Traversable, sources: Mapping[str, Source], problems: list[Problem]
) -> None:
    """terminology/rxnorm_products.tsv: three columns, numeric RxCUIs, every origin a source."""
    node = base / "terminology" / INDEX_FILE
    if not node.is_file():
        return
    label = f"terminology/{INDEX_FILE}"
    origins: set[str] = set()
    header_seen = False
    for n, line in enumerate(node.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            header_seen = True
            if cells != ["rxcui", "name", "origin"]:
                problems.append((label, "header", "expected the columns rxcui, name, origin"))
                return
            continue
        if len(cells) != 3 or not cells[0].isdigit() or not cells[1].strip():
            problems.append((label, f"line {n}", "needs a numeric rxcui, a name and an origin"))
            continue
        origins.add(cells[2])
    for origin in sorted(origins - set(sources)):
        problems.append((label, "origin", f"origin {origin!r} is not a source id"))


def _check_trigger(
    trigger: Trigger,
    label: str,
    groups: Mapping[str, Group],
    member_rxcui: Mapping[str, str | None],
    conditions: Mapping[str, Condition],
    problems: list[Problem],
) -> None:
    """A trigger names known drugs, groups and flags, and is one kind of combination."""
    flags = {f for g in groups.values() for m in g.members for f in m.flags} | {
        f for g in groups.values() for f in g.flags
    }
    terms = [(f"trigger.all_of.{i}", t) for i, t in enumerate(trigger.all_of)]
    terms += [(f"trigger.any_of.{i}", t) for i, t in enumerate(trigger.any_of)]
    for name in ("distinct_of", "exempt_when_all"):
        term = getattr(trigger, name)
        if term is not None:
            terms.append((f"trigger.{name}", term))
    for field, t in terms:
        if (t.drug, t.group, t.flag) == (None, None, None):
            problems.append((label, field, "names no drug, group or flag"))
        if t.drug is not None and t.drug not in member_rxcui:
            problems.append((label, f"{field}.drug", f"unknown ingredient {t.drug!r}"))
        if t.group is not None and t.group not in groups:
            problems.append((label, f"{field}.group", f"unknown group {t.group!r}"))
        if t.flag is not None and t.flag not in flags:
            problems.append((label, f"{field}.flag", f"unknown flag {t.flag!r}"))
    counted = trigger.distinct_of is not None
    if [bool(trigger.all_of), bool(trigger.any_of), counted].count(True) != 1:
        problems.append((label, "trigger", "give one of all_of, any_of and distinct_of"))
    for i, cid in enumerate(trigger.with_condition):
        if cid not in conditions:
            problems.append((label, f"trigger.with_condition.{i}", f"unknown condition {cid!r}"))
    if counted and trigger.at_least is None:
        problems.append((label, "trigger.at_least", "distinct_of needs at_least"))
    if trigger.severity is None:
        problems.append((label, "trigger.severity", "a trigger needs the severity of its alert"))
    _check_escalation(trigger, label, problems)


def _check_escalation(trigger: Trigger, label: str, problems: list[Problem]) -> None:
    """Severity steps: on a counted trigger with a base severity, each cited, graded more
    severely than the one before; the first at the trigger's count or above (a site that raises
    the count to a step's applies the step from the start), each later one at a larger count."""
    if not trigger.escalate:
        return
    if trigger.distinct_of is None:
        problems.append(
            (label, "trigger.escalate", "only a counted trigger (distinct_of) escalates")
        )
        return
    if trigger.severity is None:
        return  # said above
    count, grade = trigger.at_least or 2, trigger.severity
    for i, step in enumerate(trigger.escalate):
        where = f"trigger.escalate.{i}"
        if step.source is None:
            problems.append((label, f"{where}.source", "a severity step needs a cited source"))
        if i == 0 and step.at_least < count:
            problems.append(
                (
                    label,
                    f"{where}.at_least",
                    f"{step.at_least} is below the trigger's count ({count})",
                )
            )
        elif i > 0 and step.at_least <= count:
            problems.append(
                (
                    label,
                    f"{where}.at_least",
                    f"{step.at_least} is not above the step before ({count})",
                )
            )
        if SEVERITY_ORDER.index(step.severity) >= SEVERITY_ORDER.index(grade):
            problems.append(
                (label, f"{where}.severity", f"{step.severity!r} is not more severe than {grade!r}")
            )
        count, grade = step.at_least, step.severity


PATIENT_STATES_FILE = "patient_states.yaml"


def _load_patient_states(
    base: Traversable, sources: Mapping[str, Source], problems: list[Problem]
) -> PatientStates | None:
    """patient_states.yaml: each end of a band cited on its own, in years, the band not
    reversed."""
    label = PATIENT_STATES_FILE
    node = base / label
    if not node.is_file():
        problems.append((label, "-", "missing (the pregnancy-possible age band lives here)"))
        return None
    states = _parse(PatientStates, _read_yaml(node, label, problems), label, problems)
    if states is None:
        return None
    band = states.pregnancy_possible
    adult = states.adult_from_age
    if adult.source is None or not has_dimension(adult.unit, "year"):
        problems.append((label, "adult_from_age", "an age in years with its source"))
    elif not 12 <= convert(adult.lower, adult.unit, "year") <= 21:
        problems.append((label, "adult_from_age", "must be between 12 and 21 years"))
    # Each end is an amount: the walk below refuses one without its own source or not in years.
    _check_citations_and_amounts(states, label, sources, problems)
    if has_dimension(band.from_age.unit, "year") and has_dimension(band.through_age.unit, "year"):
        low = convert(band.from_age.lower, band.from_age.unit, "year")
        high = convert(band.through_age.upper, band.through_age.unit, "year")
        if low > high:
            problems.append(
                (label, "pregnancy_possible", f"from_age {low:g} is above through_age {high:g}")
            )
    return states


def _check_conditions(
    conditions: Mapping[str, Condition], sources: Mapping[str, Source], problems: list[Problem]
) -> None:
    """A condition implies only known conditions; a GFR threshold is cited and in mL/min."""
    for cond in conditions.values():
        for i, other in enumerate(cond.implies):
            if other not in conditions or other == cond.id:
                problems.append(
                    ("conditions.yaml", f"{cond.id}.implies.{i}", f"unknown condition {other!r}")
                )
        if cond.gfr_from is not None and cond.gfr_below is None:
            problems.append(
                ("conditions.yaml", f"{cond.id}.gfr_from", "a GFR floor needs a gfr_below")
            )
        for name in ("gfr_below", "gfr_from"):
            gfr = getattr(cond, name)
            if gfr is None:
                continue
            if gfr.source is None or gfr.source not in sources:
                problems.append(
                    ("conditions.yaml", f"{cond.id}.{name}", "a GFR threshold needs a known source")
                )
            if gfr.unit != "mL/min":
                problems.append(("conditions.yaml", f"{cond.id}.{name}.unit", "must be mL/min"))
        if (
            cond.gfr_from is not None
            and cond.gfr_below is not None
            and cond.gfr_from.upper >= cond.gfr_below.upper
        ):
            problems.append(("conditions.yaml", f"{cond.id}.gfr_from", "must be below gfr_below"))


def _load_careplans(
    base: Traversable,
    sources: Mapping[str, Source],
    drug_ids: frozenset[str],
    condition_ids: frozenset[str],
    problems: list[Problem],
) -> dict[str, CarePlanTemplate]:
    """careplans.yaml: every goal and activity cited, ids unique, drugs known."""
    node = base / "careplans.yaml"
    if not node.is_file():
        return {}
    label = "careplans.yaml"
    parsed = _parse(CarePlanFile, _read_yaml(node, label, problems), label, problems)
    plans: dict[str, CarePlanTemplate] = {}
    for plan in parsed.careplans if parsed else ():
        where = f"{label}:{plan.id}"
        if plan.id in plans:
            problems.append((label, plan.id, "care plan id defined twice"))
        plans[plan.id] = plan
        _check_citations_and_amounts(plan, where, sources, problems)
        for i, drug in enumerate(plan.drugs):
            if drug not in drug_ids:
                problems.append((where, f"drugs.{i}", f"unknown drug {drug!r}"))
        groups: tuple[tuple[str, tuple[CareGoal | CareActivity, ...]], ...] = (
            ("goals", plan.goals),
            ("activities", plan.activities),
        )
        for kind, items in groups:
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                problems.append((where, kind, f"{kind} ids are not unique"))
            for i, item in enumerate(items):
                if item.source is None:
                    problems.append((where, f"{kind}.{i}.source", "needs a cited source"))
                if item.audience is not None:
                    _check_audience(
                        item.audience, f"{kind}.{i}.audience", where, condition_ids, problems
                    )
    return plans


def _check_audience(
    audience: CareAudience,
    field: str,
    where: str,
    condition_ids: frozenset[str],
    problems: list[Problem],
) -> None:
    """An audience names known conditions and a real age band."""
    for j, cond in enumerate(audience.conditions_any):
        if cond not in condition_ids:
            problems.append((where, f"{field}.conditions_any.{j}", f"unknown condition {cond!r}"))
    low, high = audience.age_from_years, audience.age_below_years
    if low is not None and high is not None and low >= high:
        problems.append((where, field, "age_from_years must be below age_below_years"))
    if (low, high, audience.conditions_any, audience.routes) == (None, None, (), ()):
        problems.append((where, field, "an audience needs an age band, conditions or routes"))


_SNAPSHOT_FORMAT = 1
# The modules whose code shapes a loaded knowledge base: a change to any of them invalidates
# every snapshot, as a change to any data file does.
_SNAPSHOT_CODE = ("schema.py", "loader.py")


def _walk(node: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, f"{name}/")
        elif child.is_file() and not child.name.startswith("."):
            yield name, child


def knowledge_fingerprint(root: Traversable | Path | None = None) -> str:
    """A digest of everything a loaded knowledge base depends on: every file under the data
    folder (names and bytes), the schema and loader code, and the library versions."""
    import sys
    from importlib.metadata import version

    base: Traversable = Path(root) if isinstance(root, str | Path) else (root or _data_root())
    header = f"{_SNAPSHOT_FORMAT}|{sys.version}|{version('pydantic')}|{version('myorelax')}"
    return _digest(header, _SNAPSHOT_CODE, base)


def _digest(header: str, code_names: Iterable[str], folder: Traversable) -> str:
    """blake2b of `header`, the named modules of this package and every file under `folder`
    (names and bytes)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    h.update(header.encode())
    code = resources.files("myorelax.knowledge")
    for name in code_names:
        h.update((code / name).read_bytes())
    if folder.is_dir():
        for name, node in _walk(folder):
            data = node.read_bytes()
            h.update(f"\0{name}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()


def _from_snapshot(name: str) -> KnowledgeBase | None:
    import pickle

    raw = read_cached(name)
    if raw is None:
        return None
    try:
        kb = pickle.loads(raw)
    except Exception:  # a corrupt or foreign snapshot is rebuilt
        log.debug("knowledge snapshot %s unreadable; rebuilding", name)
        return None
    return kb if isinstance(kb, KnowledgeBase) else None


_LOADED: dict[str, KnowledgeBase] = {}


def _load_fingerprinted(base: Path | None) -> KnowledgeBase:
    import pickle

    name = f"knowledge-{knowledge_fingerprint(base)}.pickle"
    if name in _LOADED:
        return _LOADED[name]
    kb = _from_snapshot(name)
    if kb is not None:
        log.debug("knowledge base %s loaded from snapshot %s", kb.version, name)
    else:
        kb, problems = validate_knowledge(base)
        if kb is None:
            raise KnowledgeError(problems or [(str(base or "manifest.yaml"), "-", "missing")])
        write_cached(name, pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL))
        log.debug("knowledge base %s validated: %d drugs", kb.version, len(kb.drugs))
    _LOADED[name] = kb
    return kb


@lru_cache(maxsize=1)
def _packaged() -> KnowledgeBase:
    return _load_fingerprinted(None)


KNOWLEDGE_ENV = "MYORELAX_KNOWLEDGE_DIR"


def site_knowledge_dir() -> Path | None:
    """The site's own reviewed knowledge folder (`MYORELAX_KNOWLEDGE_DIR`, which the CLI's
    `--knowledge DIR` sets), or None for the packaged knowledge."""
    value = os.environ.get(KNOWLEDGE_ENV, "").strip()
    return Path(value) if value else None


def load_knowledge(root: Path | str | None = None) -> KnowledgeBase:
    """The knowledge base: the folder `root`, else the site's folder (`MYORELAX_KNOWLEDGE_DIR`),
    else the packaged one; validated once per knowledge version: the first load runs every check
    on the YAML and stores a snapshot in the user cache folder, keyed by the fingerprint of the
    data and code; later loads (in this or another process) read the snapshot. A folder is
    fingerprinted again at each call, so an edit is seen at once. Raise KnowledgeError listing
    every problem."""
    if root is None:
        root = site_knowledge_dir()
    if root is None:
        return _packaged()
    folder = Path(root)
    if not (folder / "manifest.yaml").is_file():
        raise KnowledgeError(
            [(str(folder), KNOWLEDGE_ENV, "not a knowledge folder (no manifest.yaml)")]
        )
    return _load_fingerprinted(folder)


def load_knowledge_from(root: Path) -> KnowledgeBase:
    """A knowledge base from another folder (for tests and for reviewing a change)."""
    return load_knowledge(root)


_PRODUCT_CODE = ("products.py", "rxnames.py", "text.py")


def products_fingerprint(root: Traversable | Path | None = None) -> str:
    """A digest of the product index files and the code that reads them."""
    base: Traversable = Path(root) if isinstance(root, str | Path) else (root or _data_root())
    return _digest(str(_SNAPSHOT_FORMAT), _PRODUCT_CODE, base / "terminology")


_PRODUCTS: dict[str, ProductIndex] = {}


def load_products(root: Path | str | None = None) -> ProductIndex:
    """The RxNorm product index of the knowledge folder (`data/terminology`), from its snapshot
    in the user cache folder when the files have not changed (reading 27,000 names takes
    seconds; the snapshot, milliseconds)."""
    import pickle

    if root is None:
        site = site_knowledge_dir()
        # A site folder without its own terminology uses the packaged product index.
        root = site if site is not None and (site / "terminology").is_dir() else None
    base: Traversable = Path(root) if root is not None else _data_root()
    name = f"products-{products_fingerprint(base)}.pickle"
    if name in _PRODUCTS:
        return _PRODUCTS[name]
    raw = read_cached(name)
    index: ProductIndex | None = None
    if raw is not None:
        try:
            loaded = pickle.loads(raw)
            index = loaded if isinstance(loaded, ProductIndex) else None
        except Exception:  # a corrupt snapshot is rebuilt
            index = None
    if index is None:
        index, problems = load_index(base / "terminology")
        if problems:
            raise KnowledgeError(problems)
        write_cached(name, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    _PRODUCTS[name] = index
    return index
