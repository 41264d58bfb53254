"""Every RxCUI in the knowledge base names the ingredient it is filed under.

A wrong code is silent: meclizine filed under 6711 (melatonin) would match melatonin orders and
miss meclizine ones given by code. Each monograph and group member code must be read in a public
RxNorm-derived file under the same name (terminology/rxnorm_ingredients.tsv, written with its
origin by scripts/build_ingredient_confirmations.py) or in the shipped product index, and never
stand there for another ingredient; a code found nowhere must say so in its note.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pytest

from myorelax.knowledge.loader import load_knowledge, load_products
from myorelax.knowledge.text import normalize_name

NOT_FOUND = "not found in the public RxNorm-derived files"


@cache
def _confirmed() -> dict[str, set[str]]:
    path = resources.files("myorelax.knowledge") / "data/terminology/rxnorm_ingredients.tsv"
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    out: dict[str, set[str]] = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        assert row["read_in"], row
        out.setdefault(row["rxcui"], set()).add(normalize_name(row["name"]))
    return out


def _codes() -> list[tuple[str, str, str, tuple[str, ...], str | None]]:
    kb = load_knowledge()
    out = [
        (f"monograph {d.id}", d.name, d.identifiers.rxcui.value, (), d.identifiers.rxcui.note)
        for d in kb.drugs.values()
    ]
    for g in kb.groups.values():
        for m in g.members:
            if m.rxcui:
                out.append((f"group {g.id}", m.name, m.rxcui, m.synonyms, m.note))
    return out


@pytest.mark.parametrize(("where", "name", "rxcui", "synonyms", "note"), _codes())
def test_each_rxcui_is_read_under_its_own_name(
    where: str, name: str, rxcui: str, synonyms: tuple[str, ...], note: str | None
) -> None:
    wanted = {normalize_name(name), *(normalize_name(s) for s in synonyms)}
    in_file = _confirmed().get(rxcui, set())
    in_index = {
        normalize_name(p.name)
        for p in load_products().by_rxcui(rxcui)
        if p.kind == "name" and len(p.components) == 1 and not p.brand
    }
    other = (in_file | in_index) - wanted
    assert not other, f"{where}: {name} filed under {rxcui}, which is {sorted(other)}"
    if not (wanted & (in_file | in_index)):
        assert note and NOT_FOUND in note, f"{where}: {name} {rxcui} is confirmed nowhere"


def test_a_wrong_code_is_caught() -> None:
    """The check above can fail: 6711 is melatonin in the product index."""
    names = {normalize_name(p.name) for p in load_products().by_rxcui("6711")}
    assert names == {"melatonin"}
