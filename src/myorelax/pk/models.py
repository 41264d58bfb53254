"""PK models as data: the structure, typical values and variability of a drug, from its monograph.

A `PkModel` is immutable; covariate and interaction effects are `Effect`s (a parameter, a factor,
why, and the citation) that `with_effects` returns a new model with, as pharmpy does. Internal
units: mg, L, h; concentrations mg/L (= mcg/mL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from myorelax.errors import InputError
from myorelax.knowledge.schema import Amount, KnowledgeBase, Monograph
from myorelax.pk.solver import Structure
from myorelax.units import convert

PARAMETERS = ("ka", "cl", "v", "q", "v2", "tlag", "f", "fm", "mw", "clm", "vm")
_UNITS = {"ka": "1/h", "cl": "L/h", "v": "L", "q": "L/h", "v2": "L", "tlag": "h"}
_DEFAULTS = {"ka": 1.0, "cl": 1.0, "v": 1.0, "q": 0.0, "v2": 1.0, "tlag": 0.0, "f": 1.0,
             "fm": 0.0, "mw": 1.0, "clm": 1.0, "vm": 1.0}  # fmt: skip


class NoModelError(InputError):
    """The drug has no PK model in the knowledge base (said plainly, never approximated)."""


@dataclass(frozen=True)
class Effect:
    """A multiplicative change of one parameter, with its reason and citation."""

    parameter: str
    factor: float
    reason: str
    source: str | None = None
    section: str | None = None
    cause: str = ""  # the covariate name, "renal", or "interaction"
    # Evaluated at the edge of a band the patient is known to be beyond (kidney failure recorded
    # without a CrCl: at the top of GFR category G5): the true change is at least this large.
    lower_bound: bool = False


@dataclass(frozen=True)
class PkModel:
    """A drug's linear model: structure, typical values, log-normal variability, residual error."""

    drug: str
    analyte: str
    metabolite: str | None
    structure: Structure
    typical: tuple[tuple[str, float], ...]
    iiv: tuple[str, ...] = ()
    omega: tuple[tuple[float, ...], ...] = ()  # covariance of the etas (log scale)
    proportional_error: float | None = None  # SD as a fraction
    additive_error_mg_l: float | None = None
    derived: bool = False
    apparent: bool = True
    source: str | None = None
    effects: tuple[Effect, ...] = field(default=())

    def value(self, name: str) -> float:
        """The typical value of a parameter with every effect applied."""
        base = dict(self.typical).get(name, _DEFAULTS[name])
        for e in self.effects:
            if e.parameter == name:
                base *= e.factor
        return base

    @property
    def omega_matrix(self) -> NDArray[np.float64]:
        return np.array(self.omega, dtype=np.float64).reshape(len(self.iiv), len(self.iiv))


def with_effects(model: PkModel, effects: tuple[Effect, ...]) -> PkModel:
    """A new model with `effects` added (the original is unchanged)."""
    return replace(model, effects=model.effects + tuple(effects))


def _num(a: Amount | None, unit: str | None, name: str) -> float | None:
    if a is None:
        return None
    value = a.value if a.value is not None else math.sqrt(a.lower * a.upper)
    if unit is None:
        if a.unit in ("percent", "%"):
            return value / 100.0
        return value
    return convert(value, a.unit, unit)


def _cv_to_variance(cv: float) -> float:
    """Log-normal variance from a coefficient of variation: omega^2 = ln(1 + CV^2)."""
    return math.log1p(cv * cv)


def model_from_monograph(mono: Monograph) -> PkModel:
    """Build the drug's model from `pk.model` of its monograph; NoModelError when there is none."""
    spec = mono.pk.model
    if spec is None:
        raise NoModelError(
            f"no pharmacokinetic model for {mono.name} in the knowledge base; it cannot be "
            "simulated",
            field="drug",
        )
    typical: dict[str, float] = {}
    for name in ("ka", "cl", "v", "q", "v2", "tlag", "f"):
        val = _num(getattr(spec.parameters, name), _UNITS.get(name), name)
        if val is not None:
            typical[name] = val
    if spec.oral is not None:
        oral = spec.oral
        typical["ka"] = float(_num(oral.ka, "1/h", "ka") or 1.0)
        typical["f"] = float(_num(oral.f, None, "f") or 1.0)
        if oral.tlag is not None:
            typical["tlag"] = float(_num(oral.tlag, "h", "tlag") or 0.0)
    met = spec.metabolite
    if met is not None:
        typical["fm"] = float(_num(met.fraction_formed, None, "fm") or 0.0)
        typical["mw"] = float(_num(met.mw_ratio, None, "mw") or 1.0)
        typical["clm"] = float(_num(met.cl, "L/h", "clm") or 1.0)
        typical["vm"] = float(_num(met.v, "L", "vm") or 1.0)
    names = tuple(i.parameter for i in spec.iiv)
    var = [_cv_to_variance(float(_num(i.cv, None, i.parameter) or 0.0)) for i in spec.iiv]
    omega = np.diag(var) if var else np.zeros((0, 0))
    for c in spec.correlations:
        if c.a in names and c.b in names:
            ia, ib = names.index(c.a), names.index(c.b)
            omega[ia, ib] = omega[ib, ia] = c.r * math.sqrt(var[ia] * var[ib])
    prop = add = None
    if spec.residual is not None:
        prop = _num(spec.residual.proportional, None, "proportional")
        if spec.residual.additive is not None:
            add = _num(spec.residual.additive, "mg/L", "additive")
    return PkModel(
        drug=mono.id,
        analyte=mono.id,
        metabolite=met.drug if met else None,
        structure=Structure(
            compartments=spec.compartments,
            absorption=spec.absorption,
            metabolite=met is not None,
            oral=spec.oral is not None,
        ),
        typical=tuple(sorted(typical.items())),
        iiv=names,
        omega=tuple(tuple(float(x) for x in row) for row in omega),
        proportional_error=prop,
        additive_error_mg_l=add,
        derived=spec.derived,
        apparent=spec.apparent,
        source=spec.source,
    )


def model_for(drug: str, kb: KnowledgeBase) -> PkModel:
    """The model of a drug (ingredient id) in `kb`; NoModelError when the drug has none."""
    mono = kb.drugs.get(drug)
    if mono is None:
        raise NoModelError(f"{drug} has no monograph in the knowledge base", field="drug")
    return model_from_monograph(mono)
