"""Conditions: a FHIR Condition's code (SNOMED CT, ICD-10) or its name mapped to the condition
ids the checks know (`conditions.yaml`), and the condition codes that mean dialysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from myorelax.fhir.codes import (
    ICD10_DIALYSIS_PREFIXES,
    ICD10_PREGNANCY_PREFIXES,
    ICD10_SYSTEMS,
    SNOMED,
    SNOMED_DIALYSIS_CONDITIONS,
    SNOMED_PREGNANCY_CONDITIONS,
)
from myorelax.fhir.reading import (
    SEMANTIC_TAG,
    codings,
    mapping,
    string,
)
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import (
    condition_by_code,
    condition_candidates,
    icd10_key,
    normalize_name,
)

# --------------------------------------------------------------------------------------------
# Terminology look-ups


@dataclass(frozen=True)
class ConditionIndex:
    by_name: dict[str, str]
    snomed: dict[str, str]
    icd10: dict[str, str]
    groups: frozenset[str]


def condition_index(kb: KnowledgeBase) -> ConditionIndex:
    found = _CONDITIONS.get(id(kb))
    if found is None or found[0] is not kb:
        found = (kb, _build_condition_index(kb))
        _CONDITIONS[id(kb)] = found
    return found[1]


_CONDITIONS: dict[int, tuple[KnowledgeBase, ConditionIndex]] = {}


def _build_condition_index(kb: KnowledgeBase) -> ConditionIndex:
    by_name: dict[str, str] = {}
    snomed: dict[str, str] = {}
    icd10: dict[str, str] = {}
    for c in kb.conditions.values():
        for label in (c.id, c.name, *c.synonyms):
            by_name.setdefault(normalize_name(label), c.id)
        for code in c.snomed:
            snomed[code] = c.id
        for code in c.icd10:
            icd10[icd10_key(code)] = c.id
    return ConditionIndex(by_name, snomed, icd10, frozenset(kb.groups))


def condition_of(concept: Any, idx: ConditionIndex) -> tuple[str | None, str]:
    """The condition id a Condition's code maps to (by code, else by display text), and how."""
    for c in codings(concept):
        system, code = string(c.get("system")), string(c.get("code"))
        if not code:
            continue
        if system == SNOMED and code in idx.snomed:
            return idx.snomed[code], f"SNOMED CT {code}"
        if system in ICD10_SYSTEMS:
            hit = idx.icd10.get(icd10_key(code)) or condition_by_code(code)
            if hit:
                return hit, f"ICD-10 {code}"
    texts = [string(mapping(concept).get("text"))] + [
        string(c.get("display")) for c in codings(concept)
    ]
    for text in texts:
        if not text:
            continue
        # As a problem list writes it ('Myasthenia gravis (HCC)', 'Chronic kidney disease,
        # stage 3b'): the candidates the CLI and the API try, the literal text first.
        for candidate in condition_candidates(SEMANTIC_TAG.sub("", text)):
            key = normalize_name(candidate)
            if key in idx.by_name:
                return idx.by_name[key], "its name"
    return None, ""


def is_dialysis_condition(concept: Any) -> bool:
    for c in codings(concept):
        system, code = string(c.get("system")), string(c.get("code"))
        if not code:
            continue
        if system == SNOMED and code in SNOMED_DIALYSIS_CONDITIONS:
            return True
        if system in ICD10_SYSTEMS and icd10_key(code).startswith(ICD10_DIALYSIS_PREFIXES):
            return True
    return False


def is_pregnancy_condition(concept: Any) -> bool:
    """A Condition code that records a pregnancy (SNOMED CT or ICD-10, fhir/codes.py)."""
    for c in codings(concept):
        system, code = string(c.get("system")), string(c.get("code"))
        if not code:
            continue
        if system == SNOMED and code in SNOMED_PREGNANCY_CONDITIONS:
            return True
        if system in ICD10_SYSTEMS and icd10_key(code).startswith(ICD10_PREGNANCY_PREFIXES):
            return True
    return False
