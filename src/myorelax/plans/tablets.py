"""Which tablets make a dose: strengths that exist, halves and quarters only of scored tablets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

from myorelax.errors import InputError
from myorelax.knowledge.schema import Dosing, Monograph, Product
from myorelax.units import convert, has_dimension

SOLID_FORMS = frozenset({"tablet", "capsule", "orally_disintegrating_tablet"})
MAX_PIECES = 6
_SCALE = 1000  # work in micrograms so sums are exact integers


@dataclass(frozen=True)
class Piece:
    """A whole tablet or a part of a scored one."""

    product: str
    strength_mg: float
    parts: int  # 1 whole, 2 half, 3 third, 4 quarter

    @property
    def mg(self) -> float:
        return self.strength_mg / self.parts


@dataclass(frozen=True)
class Formulation:
    """One family of interchangeable solid products (same form and release)."""

    form: str
    release: str
    products: tuple[Product, ...]
    pieces: tuple[Piece, ...]

    @property
    def whole_strengths_mg(self) -> tuple[float, ...]:
        return tuple(sorted({p.strength_mg for p in self.pieces if p.parts == 1}))

    @property
    def label(self) -> str:
        strengths = ", ".join(f"{s:g} mg" for s in self.whole_strengths_mg)
        scored = [p for p in self.products if p.scored]
        extra = ""
        if scored:
            extra = "; scored: " + ", ".join(
                f"{s.value:g} mg in {p.score_parts or 2}"
                for p in scored
                for s in p.strengths
                if s.value is not None
            )
        return f"{self.form} ({self.release} release) {strengths}{extra}"


@dataclass(frozen=True)
class TabletCount:
    """How many tablets of one strength (1.5 = one whole and one half)."""

    product: str
    form: str
    strength_mg: float
    count: float

    @property
    def text(self) -> str:
        whole = int(self.count)
        frac = self.count - whole
        fraction = {0.25: "¼", 0.5: "½", 0.75: "¾"}.get(round(frac, 2), "")
        if abs(frac - 1 / 3) < 1e-6:
            fraction = "⅓"
        elif abs(frac - 2 / 3) < 1e-6:
            fraction = "⅔"
        amount = (str(whole) if whole else "") + fraction if frac > 1e-9 else str(whole)
        noun = self.form if self.count <= 1 else f"{self.form}s"
        return f"{amount} × {self.strength_mg:g} mg {noun}"


def formulations(drug: Monograph, dosing: Dosing, form: str | None = None) -> list[Formulation]:
    """Solid oral product families usable with this dosing, in the order the dosing lists them."""
    wanted = set(dosing.products)
    families: dict[tuple[str, str], list[Product]] = {}
    for product in drug.products:
        if product.id not in wanted or product.route != "oral" or product.form not in SOLID_FORMS:
            continue
        if form is not None and product.form != form:
            continue
        families.setdefault((product.form, product.release), []).append(product)
    out = []
    for (f, release), products in families.items():
        pieces: list[Piece] = []
        for product in products:
            for strength in product.strengths:
                if strength.value is None or not has_dimension(strength.unit, "mg"):
                    continue
                mg = convert(strength.value, strength.unit, "mg")
                pieces += [Piece(product.id, mg, k) for k in product.piece_divisors]
        if pieces:
            out.append(Formulation(f, release, tuple(products), tuple(pieces)))
    if not out:
        what = f"{form} " if form else ""
        raise InputError(
            f"{drug.name} has no {what}oral tablet or capsule in the knowledge base to plan with",
            field="form",
        )
    return out


def make_dose(dose_mg: float, formulation: Formulation) -> tuple[TabletCount, ...] | None:
    """The fewest pieces (whole tablets preferred, then larger strengths) that sum to `dose_mg`;
    None when it cannot be made from at most MAX_PIECES pieces."""
    if dose_mg <= 0:
        return ()
    sizes = [round(p.mg * _SCALE) for p in formulation.pieces]
    target = round(dose_mg * _SCALE)
    if abs(target - dose_mg * _SCALE) > 1e-6 * _SCALE or any(s <= 0 for s in sizes):
        return None
    g = reduce(math.gcd, [*sizes, target])
    units = [s // g for s in sizes]
    goal = target // g
    if goal > 200_000:
        return None
    # cost: pieces, then split pieces, then (negative) size so larger tablets win ties
    inf = (math.inf, math.inf, math.inf)
    best: list[tuple[float, float, float]] = [inf] * (goal + 1)
    choice = [-1] * (goal + 1)
    best[0] = (0, 0, 0)
    for v in range(1, goal + 1):
        for i, u in enumerate(units):
            if u > v or best[v - u] == inf:
                continue
            prev = best[v - u]
            piece = formulation.pieces[i]
            cost = (prev[0] + 1, prev[1] + (piece.parts > 1), prev[2] - piece.strength_mg)
            if cost < best[v]:
                best[v], choice[v] = cost, i
    if best[goal] == inf or best[goal][0] > MAX_PIECES:
        return None
    counts: dict[tuple[str, float], float] = {}
    v = goal
    while v > 0:
        piece = formulation.pieces[choice[v]]
        key = (piece.product, piece.strength_mg)
        counts[key] = counts.get(key, 0.0) + 1 / piece.parts
        v -= units[choice[v]]
    return tuple(
        TabletCount(product, formulation.form, strength, round(count, 4))
        for (product, strength), count in sorted(counts.items(), key=lambda kv: -kv[0][1])
    )


def dose_unit_mg(dose_mg: float, formulation: Formulation) -> float:
    """The step in which doses of this formulation move: the smallest whole strength dividing the
    dose, else the smallest piece dividing it (a scored part)."""
    for strength in formulation.whole_strengths_mg:
        if _divides(strength, dose_mg):
            return strength
    for piece in sorted(formulation.pieces, key=lambda p: p.mg):
        if _divides(piece.mg, dose_mg):
            return piece.mg
    raise InputError(f"{dose_mg:g} mg cannot be made from {formulation.label}", field="dose")


def _divides(unit: float, dose: float) -> bool:
    n = round(dose / unit)
    return n >= 1 and abs(n * unit - dose) < 1e-6
