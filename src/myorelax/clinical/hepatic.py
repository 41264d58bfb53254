"""Liver function: Child-Pugh class to the impairment grades the knowledge base uses."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

ChildPugh = Literal["A", "B", "C"]
Impairment = Literal["none", "mild", "moderate", "severe", "unknown_grade"]

_GRADE: dict[ChildPugh, Impairment] = {"A": "mild", "B": "moderate", "C": "severe"}


def impairment_of(child_pugh: ChildPugh | None, liver_disease: bool) -> Impairment:
    """Child-Pugh A/B/C is mild/moderate/severe; a named liver disease without a class is
    impairment of unknown grade; neither is none."""
    if child_pugh is not None:
        return _GRADE[child_pugh]
    return "unknown_grade" if liver_disease else "none"


def matches(adjustment: str, grade: Impairment) -> bool:
    """Whether a knowledge-base hepatic adjustment (`any`, `mild`, `moderate`, `severe`) applies.

    An adjustment for a given grade applies to that grade and worse; a liver disease of unknown
    grade is treated as the adjustment's grade (the cautious reading)."""
    if grade == "none":
        return False
    if adjustment == "any" or grade == "unknown_grade":
        return True
    order = ["mild", "moderate", "severe"]
    return order.index(grade) >= order.index(adjustment)


def in_classes(classes: Collection[ChildPugh], child_pugh: ChildPugh | None) -> bool:
    """Whether a patient is in the Child-Pugh `classes` a label's wording covers (knowledge
    data: "severe" is C); none listed covers every class, and a liver disease whose class is
    not recorded is taken to be in them (the cautious reading, as `matches`)."""
    return not classes or child_pugh is None or child_pugh in classes
