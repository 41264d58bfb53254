"""What a diary shows the clinician: adherence, missed-dose runs (withdrawal risk), use above the
prescription and rising use (dependence risk), smoothed trends, the pain-stress relation as a
lagged cross-correlation after prewhitening, the change in spasms and pain around each dose change
(segmented regression with autocorrelation-robust errors, and change points), and when side
effects come after a dose compared with the drug's peak time.

Every statistical result carries its uncertainty and says plainly that a single diary shows
association, not cause. Thresholds that are design choices (not sourced) are named constants.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict

from myorelax.clinical.not_checked import NotChecked
from myorelax.diary.entries import DiaryEntry
from myorelax.diary.limits import AboveMax
from myorelax.diary.records import RegimenPeriod
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.models import NoModelError, model_for
from myorelax.pk.simulate import single_dose_tmax

SLOT_WINDOW_H = 4.0  # a logged dose within 4 h of a planned time counts for that time
MISSED_RUN_DOSES = 2  # design choice: two planned doses in a row missed -> alert
WITHDRAWAL_GAP_H = 24.0  # design choice: a day without a dose of a drug that needs a taper
MAX_LAG_DAYS = 3
MIN_DAYS_CCF = 21
MIN_DAYS_SEGMENT = 7
SMOOTH_DAYS = 7
ALPHA = 0.05


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Adherence(Frozen):
    drug: str
    expected: int
    taken: int
    missed: int
    extra: int
    rate: float | None


class DiaryAlert(Frozen):
    code: str
    severity: str
    drug: str | None
    summary: str
    detail: str
    first: date
    last: date


class LagCorrelation(Frozen):
    lag_days: int
    r: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    significant: bool
    n: int


class CrossCorrelation(Frozen):
    leading: str
    following: str
    n_days: int
    prewhitening: str
    lags: tuple[LagCorrelation, ...]
    statement: str


class ChangeEffect(Frozen):
    drug: str
    change_date: date
    change: str
    measure: str
    before_mean: float
    after_mean: float
    level_change: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    n_before: int
    n_after: int
    statement: str


class SideEffectTiming(Frozen):
    symptom: str
    drug: str
    count: int
    median_hours_after_dose: float
    tmax_h: str | None
    near_peak: int
    statement: str


class DiaryAnalysis(Frozen):
    start: date
    end: date
    days: tuple[date, ...]
    series: dict[str, tuple[float | None, ...]]
    smoothed: dict[str, tuple[float | None, ...]]
    adherence: tuple[Adherence, ...]
    alerts: tuple[DiaryAlert, ...]
    pain_stress: tuple[CrossCorrelation, ...]
    dose_changes: tuple[ChangeEffect, ...]
    change_points: dict[str, tuple[date, ...]]
    side_effects: tuple[SideEffectTiming, ...]
    notes: tuple[str, ...]
    not_checked: tuple[NotChecked, ...] = ()


# ---- daily series --------------------------------------------------------------------------
SERIES = ("pain", "stress", "spasm", "stiffness", "sleep")


def _local_day(e: DiaryEntry) -> date:
    return e.at.date()


def daily_series(
    entries: Sequence[DiaryEntry], days: Sequence[date]
) -> dict[str, list[float | None]]:
    """Daily mean of each rated item (None where nothing was recorded)."""
    buckets: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        if e.kind in SERIES and e.value is not None:
            buckets[e.kind][_local_day(e)].append(e.value)
    return {
        name: [float(np.mean(buckets[name][d])) if buckets[name].get(d) else None for d in days]
        for name in SERIES
    }


def smooth(values: Sequence[float | None], window: int = SMOOTH_DAYS) -> list[float | None]:
    """Centred moving mean over the days of the window that have a value, on the days that
    have one: a day without an entry stays None (a gap), never a value carried from its
    neighbours."""
    half = window // 2
    out: list[float | None] = []
    for i, own in enumerate(values):
        near = [v for v in values[max(0, i - half) : i + half + 1] if v is not None]
        out.append(float(np.mean(near)) if own is not None and near else None)
    return out


# ---- adherence and use ---------------------------------------------------------------------
def _slots(regimen: RegimenPeriod, day: date, tzinfo: object) -> list[datetime]:
    n = round(regimen.doses_per_day or 0)
    times = list(regimen.times)[:n] if regimen.times else []
    out = []
    for t in times:
        hh, mm = (int(x) for x in t.split(":"))
        out.append(datetime(day.year, day.month, day.day, hh, mm, tzinfo=tzinfo))  # type: ignore[arg-type]
    return out


def _adherence_and_use(
    entries: Sequence[DiaryEntry],
    regimens: Sequence[RegimenPeriod],
    days: Sequence[date],
    kb: KnowledgeBase | None,
    now: datetime | None = None,
) -> tuple[list[Adherence], list[DiaryAlert]]:
    """Adherence and use; with `now`, planned dose times still to come are not expected yet
    (neither counted nor missed)."""
    doses = [e for e in entries if e.kind == "dose"]
    tzinfo = entries[0].at.tzinfo if entries else None
    adherence: list[Adherence] = []
    alerts: list[DiaryAlert] = []
    for drug in sorted({r.drug for r in regimens}):
        periods = [r for r in regimens if r.drug == drug]
        taken_doses = sorted((e for e in doses if e.drug == drug), key=lambda e: e.at)
        expected = taken = extra = 0
        slot_states: list[tuple[datetime, bool]] = []
        over_days: list[date] = []
        used = set()
        for day in days:
            active = [r for r in periods if r.active_on(day) and not r.prn]
            today = [e for e in taken_doses if _local_day(e) == day]
            prescribed_daily = sum((r.dose_mg or 0) * (r.doses_per_day or 0) for r in active)
            prescribed_count = sum(round(r.doses_per_day or 0) for r in active)
            taken_mg = sum(e.dose_mg or 0 for e in today)
            if active and (taken_mg > prescribed_daily + 1e-9 or len(today) > prescribed_count):
                over_days.append(day)
            extra += sum(1 for e in today if e.dose_status in ("extra", "prn"))
            for r in active:
                for slot in _slots(r, day, tzinfo):
                    if now is not None and (
                        slot > now if slot.tzinfo is not None else slot > now.replace(tzinfo=None)
                    ):
                        continue
                    expected += 1
                    match = None
                    for i, e in enumerate(taken_doses):
                        if i in used or e.dose_status != "planned":
                            continue
                        if abs((e.at - slot).total_seconds()) <= SLOT_WINDOW_H * 3600:
                            match = i
                            break
                    if match is not None:
                        used.add(match)
                        taken += 1
                    slot_states.append((slot, match is not None))
        if expected:
            adherence.append(
                Adherence(
                    drug=drug,
                    expected=expected,
                    taken=taken,
                    missed=expected - taken,
                    extra=extra,
                    rate=round(taken / expected, 4),
                )
            )
        alerts += _missed_alerts(drug, slot_states, taken_doses, kb)
        alerts += _overuse_alerts(drug, over_days, taken_doses, periods, days, kb)
    return adherence, alerts


def _needs_taper(drug: str, kb: KnowledgeBase | None) -> bool:
    """The monograph says a taper is needed (`dependence.taper.needed`); with no monograph (or
    no knowledge base) nothing is known, so no missed-dose withdrawal alert is raised."""
    if kb is None or drug not in kb.drugs:
        return False
    taper = kb.drugs[drug].dependence.taper
    return bool(taper and taper.needed)


def _scheduled(drug: str, kb: KnowledgeBase | None) -> bool:
    """The monograph gives a controlled-substance schedule (`identifiers.dea_schedule`); with no
    monograph (or no knowledge base) the drug is not called controlled."""
    if kb is None or drug not in kb.drugs:
        return False
    return kb.drugs[drug].identifiers.dea_schedule.value != "not_controlled"


def _missed_alerts(
    drug: str,
    slots: list[tuple[datetime, bool]],
    taken: Sequence[DiaryEntry],
    kb: KnowledgeBase | None,
) -> list[DiaryAlert]:
    if not _needs_taper(drug, kb):
        return []
    out: list[DiaryAlert] = []
    run: list[datetime] = []
    runs: list[list[datetime]] = []
    for when, ok in sorted(slots):
        if ok:
            if len(run) >= MISSED_RUN_DOSES:
                runs.append(run)
            run = []
        else:
            run.append(when)
    if len(run) >= MISSED_RUN_DOSES:
        runs.append(run)
    times = [e.at for e in taken]
    for r in runs:
        before = [t for t in times if t < r[0]]
        after = [t for t in times if t > r[-1]]
        gap_start = before[-1] if before else r[0]
        gap_end = after[0] if after else r[-1]
        gap_h = (gap_end - gap_start).total_seconds() / 3600
        major = gap_h >= WITHDRAWAL_GAP_H
        out.append(
            DiaryAlert(
                code="DIARY-MISSED-RUN",
                severity="major" if major else "moderate",
                drug=drug,
                summary=f"{len(r)} {drug} doses missed in a row ({r[0]:%d %b %H:%M} to {r[-1]:%d %b %H:%M})",
                detail=(
                    f"About {gap_h:.0f} h between recorded doses. Stopping {drug} suddenly can cause "
                    "withdrawal; if doses were really missed, contact the prescriber before "
                    "restarting at the full dose."
                ),
                first=r[0].date(),
                last=r[-1].date(),
            )
        )
    return out


def _overuse_alerts(
    drug: str,
    over_days: list[date],
    taken: Sequence[DiaryEntry],
    periods: Sequence[RegimenPeriod],
    days: Sequence[date],
    kb: KnowledgeBase | None,
) -> list[DiaryAlert]:
    from scipy import stats

    out: list[DiaryAlert] = []
    scheduled = _scheduled(drug, kb)
    if over_days:
        out.append(
            DiaryAlert(
                code="DIARY-OVERUSE",
                severity="major" if scheduled else "moderate",
                drug=drug,
                summary=f"{drug} taken above the prescription on {len(over_days)} day(s)",
                detail=(
                    "More doses, or more mg, than prescribed on: "
                    + ", ".join(d.isoformat() for d in over_days[:10])
                    + ("; " if scheduled else ". ")
                    + ("a controlled drug: review for dependence or misuse." if scheduled else "")
                ),
                first=over_days[0],
                last=over_days[-1],
            )
        )
    # rising use: weekly totals with a significant upward trend over at least 3 weeks
    if len(days) >= 21 and taken:
        weeks = (len(days) + 6) // 7
        totals = [0.0] * weeks
        for e in taken:
            idx = (_local_day(e) - days[0]).days // 7
            if 0 <= idx < weeks:
                totals[idx] += e.dose_mg or 0
        full = totals[: len(days) // 7]
        if len(full) >= 3 and len(set(full)) > 1:
            fit = stats.linregress(np.arange(len(full)), full)
            if fit.slope > 0 and fit.pvalue < ALPHA:
                out.append(
                    DiaryAlert(
                        code="DIARY-RISING-USE",
                        severity="major" if scheduled else "moderate",
                        drug=drug,
                        summary=f"{drug} use rising: +{fit.slope:.0f} mg a week over {len(full)} weeks",
                        detail=(
                            f"Weekly totals {', '.join(f'{t:g}' for t in full)} mg (trend p = "
                            f"{fit.pvalue:.3f}). Rising use can mean tolerance, worsening symptoms or "
                            "dependence" + (" (a controlled drug)." if scheduled else ".")
                        ),
                        first=days[0],
                        last=days[len(full) * 7 - 1],
                    )
                )
    return out


def above_label_alerts(entries: Sequence[DiaryEntry], kb: KnowledgeBase | None) -> list[DiaryAlert]:
    """A MAJOR warning for each drug taken above its labelled single or daily maximum (the
    maxima come from the knowledge base; the patient had to confirm such a dose)."""
    from myorelax.diary.limits import above_max

    doses = sorted((e for e in entries if e.kind == "dose"), key=lambda e: e.at)
    by_drug: dict[str, list[AboveMax]] = defaultdict(list)
    for problem in sorted(above_max(doses, [], kb), key=lambda p: (p.which != "single", p.day)):
        by_drug[problem.entry.drug or ""].append(problem)
    out = []
    for drug, problems in sorted(by_drug.items()):
        days = sorted({p.day for p in problems})
        out.append(
            DiaryAlert(
                code="DIARY-ABOVE-MAX",
                severity="major",
                drug=drug,
                summary=f"{drug} above the labelled maximum on {len(days)} day(s)",
                detail="; ".join(p.message() for p in problems[:5])
                + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
                + ". Review with the patient: overdose risk.",
                first=days[0],
                last=days[-1],
            )
        )
    return out


# ---- pain and stress -----------------------------------------------------------------------
def _prewhiten(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Fit AR(p) to x (p by AIC, at most 3) and filter both series with it."""
    from statsmodels.tsa.ar_model import ar_select_order  # imported on use (slow)

    xc, yc = x - x.mean(), y - y.mean()
    sel = ar_select_order(xc, maxlag=3, ic="aic", trend="n")
    lags = sel.ar_lags or []
    p = max(lags) if lags else 0
    if p == 0:
        return xc, yc, "none (no autocorrelation found in the leading series)"
    phi = np.asarray(sel.model.fit().params)
    full = np.zeros(p)
    for lag, coef in zip(lags, phi, strict=True):
        full[lag - 1] = coef

    def filt(s: np.ndarray) -> np.ndarray:
        return np.array([s[t] - np.dot(full, s[t - p : t][::-1]) for t in range(p, len(s))])

    return filt(xc), filt(yc), f"AR({p}) fitted to the leading series"


def _lagged(lead: np.ndarray, follow: np.ndarray, max_lag: int, tests: int) -> list[LagCorrelation]:
    from scipy import stats

    out = []
    for k in range(max_lag + 1):
        a = lead[: len(lead) - k] if k else lead
        b = follow[k:]
        n = len(a)
        if n < 8 or np.std(a) == 0 or np.std(b) == 0:
            continue
        r = float(np.corrcoef(a, b)[0, 1])
        z = math.atanh(max(min(r, 0.999999), -0.999999))
        se = 1 / math.sqrt(n - 3)
        p = float(2 * stats.norm.sf(abs(z) / se))
        out.append(
            LagCorrelation(
                lag_days=k,
                r=round(r, 4),
                ci_low=round(math.tanh(z - 1.96 * se), 4),
                ci_high=round(math.tanh(z + 1.96 * se), 4),
                p_value=round(p, 6),
                p_adjusted=round(min(1.0, p * tests), 6),
                significant=p * tests < ALPHA,
                n=n,
            )
        )
    return out


def pain_stress_relation(
    pain: Sequence[float | None], stress: Sequence[float | None]
) -> tuple[CrossCorrelation, ...]:
    """Stress leading pain and pain leading stress, lags 0-3 days, after prewhitening;
    p-values Bonferroni-adjusted over all lags tested in both directions."""
    pairs = [(p, s) for p, s in zip(pain, stress, strict=True) if p is not None and s is not None]
    if len(pairs) < MIN_DAYS_CCF:
        return ()
    y = np.array([p for p, _ in pairs], dtype=float)
    x = np.array([s for _, s in pairs], dtype=float)
    tests = 2 * (MAX_LAG_DAYS + 1) - 1
    out = []
    for lead_name, follow_name, lead, follow in (
        ("stress", "pain", x, y),
        ("pain", "stress", y, x),
    ):
        a, b, how = _prewhiten(lead, follow)
        lags = _lagged(a, b, MAX_LAG_DAYS, tests)
        if lead_name == "pain":
            lags = [g for g in lags if g.lag_days > 0]  # lag 0 is reported once
        hits = [g for g in lags if g.significant]
        detectable = 1.96 * math.sqrt(tests) / math.sqrt(max(len(a) - 3, 1))
        if hits:
            best = max(hits, key=lambda g: abs(g.r))
            when = "the same day" if best.lag_days == 0 else f"{best.lag_days} day(s) later"
            statement = (
                f"Higher {lead_name} went with {'higher' if best.r > 0 else 'lower'} {follow_name} "
                f"{when} (r = {best.r:.2f}, 95% CI {best.ci_low:.2f} to {best.ci_high:.2f}, "
                f"adjusted p = {best.p_adjusted:.3g}, {best.n} days). This is an association in one "
                "person's diary, not proof that one causes the other."
            )
        else:
            statement = (
                f"No lag from {lead_name} to {follow_name} reached significance after adjusting for "
                f"{tests} lags ({len(pairs)} days). With this many days only correlations of about "
                f"|r| > {min(detectable, 1):.2f} could be detected, so a smaller link is not ruled out."
            )
        out.append(
            CrossCorrelation(
                leading=lead_name,
                following=follow_name,
                n_days=len(pairs),
                prewhitening=how,
                lags=tuple(lags),
                statement=statement,
            )
        )
    return tuple(out)


# ---- dose changes --------------------------------------------------------------------------
def dose_change_effects(
    series: dict[str, list[float | None]],
    days: Sequence[date],
    regimens: Sequence[RegimenPeriod],
) -> list[ChangeEffect]:
    """Segmented regression (level and slope change, Newey-West errors) at each dose change."""
    import statsmodels.api as sm

    out: list[ChangeEffect] = []
    by_drug: dict[str, list[RegimenPeriod]] = defaultdict(list)
    for r in regimens:
        by_drug[r.drug].append(r)
    for drug, periods in by_drug.items():
        periods.sort(key=lambda r: r.start)
        for prev, new in itertools.pairwise(periods):
            change = new.start
            for measure in ("spasm", "pain"):
                values = series[measure]
                t = np.array(
                    [
                        (d - days[0]).days
                        for d, v in zip(days, values, strict=True)
                        if v is not None
                    ],
                    dtype=float,
                )
                yv = np.array([v for v in values if v is not None], dtype=float)
                t0 = (change - days[0]).days
                post = (t >= t0).astype(float)
                nb, na = int((post == 0).sum()), int(post.sum())
                if nb < MIN_DAYS_SEGMENT or na < MIN_DAYS_SEGMENT:
                    continue
                design = np.column_stack([np.ones_like(t), t - t0, post, (t - t0) * post])
                fit = sm.OLS(yv, design).fit(cov_type="HAC", cov_kwds={"maxlags": 3})
                level, p = float(fit.params[2]), float(fit.pvalues[2])
                lo, hi = (float(v) for v in fit.conf_int()[2])
                before, after = float(yv[post == 0].mean()), float(yv[post == 1].mean())
                sig = p < ALPHA
                statement = (
                    f"After {drug} changed on {change.isoformat()} ({prev.sig} -> {new.sig}), "
                    f"{measure} {'changed' if sig else 'did not clearly change'}: mean {before:.2f} "
                    f"before, {after:.2f} after; level change {level:+.2f} (95% CI {lo:+.2f} to "
                    f"{hi:+.2f}, p = {p:.3g}). Other changes at the same time could explain it."
                )
                out.append(
                    ChangeEffect(
                        drug=drug,
                        change_date=change,
                        change=f"{prev.sig} -> {new.sig}",
                        measure=measure,
                        before_mean=round(before, 4),
                        after_mean=round(after, 4),
                        level_change=round(level, 4),
                        ci_low=round(lo, 4),
                        ci_high=round(hi, 4),
                        p_value=round(p, 6),
                        significant=sig,
                        n_before=nb,
                        n_after=na,
                        statement=statement,
                    )
                )
    return out


def change_points(values: Sequence[float | None], days: Sequence[date]) -> tuple[date, ...]:
    """Change points in a daily series (PELT, L2 cost, penalty 3 * variance * log n)."""
    import ruptures

    pairs = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
    if len(pairs) < 2 * MIN_DAYS_SEGMENT:
        return ()
    signal = np.array([v for _, v in pairs], dtype=float)
    var = float(np.var(signal))
    if var == 0:
        return ()
    algo = ruptures.Pelt(model="l2", min_size=MIN_DAYS_SEGMENT).fit(signal)
    bkps = algo.predict(pen=3 * var * math.log(len(signal)))
    return tuple(pairs[i][0] for i in bkps[:-1])


# ---- side effects and dose time ----------------------------------------------------------
def _peak_window(drug: str, kb: KnowledgeBase | None) -> tuple[str | None, float, float]:
    """The simulated time of peak (typical adult, one dose) and the window around it (half to
    twice the peak time); the labelled Tmax when the drug has no model; none without either."""
    if kb is None or drug not in kb.drugs:
        return None, 0.0, math.inf
    try:
        peak = single_dose_tmax(model_for(drug, kb))
    except NoModelError:
        amount = kb.drugs[drug].pk.summary.tmax
        if amount is None:
            return None, 0.0, math.inf
        return f"{amount.text()} (label)", amount.lower / 2, amount.upper * 2
    return f"{peak:.1f} h (simulated)", peak / 2, peak * 2


def side_effect_timing(
    entries: Sequence[DiaryEntry], kb: KnowledgeBase | None
) -> list[SideEffectTiming]:
    doses = sorted((e for e in entries if e.kind == "dose"), key=lambda e: e.at)
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for e in entries:
        if e.kind != "side_effect" or not e.symptom:
            continue
        before = [d for d in doses if d.at <= e.at and e.at - d.at <= timedelta(hours=24)]
        if before:
            last = before[-1]
            groups[(e.symptom, last.drug or "")].append((e.at - last.at).total_seconds() / 3600)
    out = []
    for (symptom, drug), hours in sorted(groups.items()):
        tmax, lo, hi = _peak_window(drug, kb)
        near = sum(1 for h in hours if lo <= h <= hi)
        median = float(np.median(hours))
        statement = f"{symptom} came a median {median:.1f} h after a {drug} dose" + (
            f"; {near} of {len(hours)} fell around the expected peak (tmax {tmax})."
            if tmax
            else "."
        )
        out.append(
            SideEffectTiming(
                symptom=symptom,
                drug=drug,
                count=len(hours),
                median_hours_after_dose=round(median, 2),
                tmax_h=tmax,
                near_peak=near,
                statement=statement,
            )
        )
    return out


def analyse_diary(
    entries: Sequence[DiaryEntry],
    regimens: Sequence[RegimenPeriod],
    *,
    start: date,
    end: date,
    kb: KnowledgeBase | None = None,
    now: datetime | None = None,
) -> DiaryAnalysis:
    """Everything the clinician report shows, for the days start..end inclusive (with `now`,
    dose times after it are not yet expected)."""
    if end < start:
        raise ValueError("end is before start")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    window = [e for e in entries if start <= _local_day(e) <= end]
    series = daily_series(window, days)
    adherence, alerts = _adherence_and_use(window, regimens, days, kb, now)
    alerts += above_label_alerts(window, kb)
    notes = []
    if not window:
        notes.append("No diary entries in this period.")
    if not regimens:
        notes.append("No regimen on record: adherence and missed doses cannot be derived.")
    notes += _too_short(series, days, regimens)
    unchecked = _not_checked(window, regimens)
    return DiaryAnalysis(
        start=start,
        end=end,
        days=tuple(days),
        series={k: tuple(v) for k, v in series.items()},
        smoothed={k: tuple(smooth(v)) for k, v in series.items()},
        adherence=tuple(adherence),
        alerts=tuple(sorted(alerts, key=lambda a: (a.severity != "major", a.first))),
        pain_stress=pain_stress_relation(series["pain"], series["stress"]),
        dose_changes=tuple(dose_change_effects(series, days, regimens)),
        change_points={k: change_points(series[k], days) for k in ("pain", "spasm", "stress")},
        side_effects=tuple(side_effect_timing(window, kb)),
        notes=tuple(notes),
        not_checked=unchecked,
    )


def _too_short(
    series: dict[str, list[float | None]], days: Sequence[date], regimens: Sequence[RegimenPeriod]
) -> list[str]:
    """The analyses left out for want of days, said with what they need and what they had."""
    notes = []
    both = sum(1 for p, s in zip(series["pain"], series["stress"], strict=True)
               if p is not None and s is not None)  # fmt: skip
    if both < MIN_DAYS_CCF:
        notes.append(
            f"Pain and stress were not compared: that needs at least {MIN_DAYS_CCF} days with "
            f"both recorded, and this period has {both}."
        )
    for measure in ("spasm", "pain", "stress"):
        n = sum(1 for v in series[measure] if v is not None)
        if n < 2 * MIN_DAYS_SEGMENT:
            notes.append(
                f"No change points were looked for in {measure}: that needs at least "
                f"{2 * MIN_DAYS_SEGMENT} days with a value, and this period has {n}."
            )
    changes = sorted({r.start for r in regimens if days and days[0] < r.start <= days[-1]
                      and any(o.drug == r.drug and o.start < r.start for o in regimens)})  # fmt: skip
    for change in changes:
        for measure in ("spasm", "pain"):
            pairs = [d for d, v in zip(days, series[measure], strict=True) if v is not None]
            before = sum(1 for d in pairs if d < change)
            after = len(pairs) - before
            if before < MIN_DAYS_SEGMENT or after < MIN_DAYS_SEGMENT:
                notes.append(
                    f"The effect of the dose change on {change.isoformat()} on {measure} was not "
                    f"estimated: that needs at least {MIN_DAYS_SEGMENT} days with a value on each "
                    f"side, and this period has {before} before and {after} after."
                )
    return notes


def _not_checked(
    window: Sequence[DiaryEntry], regimens: Sequence[RegimenPeriod]
) -> tuple[NotChecked, ...]:
    """What the diary analysis could not check: doses with no prescription to compare with,
    doses recorded without an amount."""
    out: list[NotChecked] = []
    if not regimens:
        out.append(
            NotChecked(
                kind="dose",
                item="regimen",
                reason="no_regimen",
                detail="no regimen on record: adherence, missed doses and overuse were not checked",
            )
        )
    prescribed = {r.drug for r in regimens}
    doses = [e for e in window if e.kind == "dose"]
    for drug in sorted({e.drug for e in doses if e.drug and regimens and e.drug not in prescribed}):
        out.append(
            NotChecked(
                kind="medication",
                item=drug,
                reason="no_regimen",
                detail=f"doses of {drug} were recorded but no regimen of it is on record: "
                "its use was not compared with a prescription",
            )
        )
    without = sum(1 for e in doses if e.dose_mg is None)
    if without:
        out.append(
            NotChecked(
                kind="dose",
                item="dose entries",
                reason="no_dose",
                detail=f"{without} dose entr{'y' if without == 1 else 'ies'} without an amount: "
                "counted as doses taken, not in the daily totals",
            )
        )
    return tuple(out)
