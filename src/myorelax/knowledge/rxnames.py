"""Read an RxNorm-style product name into its ingredients, strengths, dose form and brand.

RxNorm writes clinical and branded drugs in one normal form (RxNorm Technical Documentation,
"Normalized names"), which EHRs and clinicians copy into medication lists::

    acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet [Percocet]     (SBD)
    24 HR tramadol hydrochloride 100 MG Extended Release Oral Capsule              (SCD)
    1 ML buprenorphine 0.3 MG/ML Injection [Buprenex]                              (SBD, quantity)
    {24 (drospirenone 3 MG / ethinyl estradiol 0.02 MG Oral Tablet) /
      4 (inert ingredients 1 MG Oral Tablet) } Pack [Yaz 28 Day]                     (BPCK)
    oxycodone hydrochloride 5 MG                                                    (SCDC)
    Brompheniramine / Dextromethorphan / Pseudoephedrine Pill                       (dose form group)

A qualifier RxNorm writes before the ingredients ('Once-Daily gabapentin 300 MG Oral Tablet
[Gralise]', 'Abuse-Deterrent 12 HR ...'; `RXNORM_QUALIFIERS`) is kept apart from them.

`parse_rxnorm_name` returns the components in the order written (ingredient text as written,
salt included; strength and unit when given; two salts of one ingredient in one drug, as in
Percodan's 'oxycodone hydrochloride 4.5 MG / oxycodone terephthalate 0.38 MG', are one
component named without the salt, their strengths added), the dose form, the brand in
brackets, and for a pack the union of its drugs' components (a strength is kept only when every
active drug of the pack has the component at that strength, so a triphasic pill, and a pack of
different tablets taken together such as Paxlovid's, gives the ingredients without one). The
parser is also used on what people type, so units are matched without regard to case. It returns None for text that is not in this form (a bare ingredient name, free text),
never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRAND = re.compile(r"\s*\[([^\[\]]+)\]\s*$")
# The quantity before a drug: '24 HR', '1 ML', '2500 MG Testosterone 0.01 MG/MG Topical Gel'.
_PREFIX = re.compile(r"^(\d+(?:\.\d+)?)\s+(HR|ML|ACTUAT|DAY|CM2|MG|G|L)\s+", re.IGNORECASE)
_UNIT = (
    r"(?:MG|MCG|UG|G|MEQ|MMOL|UNT|IU|IR|ML|BAU|PNU|AU|SQ-HDM|%|CELLS|ORGANISMS|"
    r"Amb\s+a\s+1-U)"
)
_PER = r"(?:/(?:ML|HR|ACTUAT|MG|G|L|DAY|CM2|SQCM|DOSE|INHAL|SPRAY|1\.73\s*M2))?"
_COMPONENT = re.compile(
    rf"^(?P<name>.*?\S)\s+(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>{_UNIT}{_PER})(?=\s|$)(?:\s+(?P<rest>.*))?$",
    re.IGNORECASE,
)
# Words of RxNorm dose forms and dose form groups (RxNorm DF/DFG names), to find where the
# ingredients end when no strength marks it ("Amrix Pill", "... / Pseudoephedrine Pill").
FORM_WORDS = frozenset(
    """oral tablet tablets capsule capsules pill extended release delayed chewable
    disintegrating sublingual buccal film solution suspension injectable injection prefilled
    syringe transdermal system patch powder granules for topical cream gel ointment lotion spray
    nasal mucosal metered dose inhaler inhalation inhalant rectal suppository vaginal ring insert
    implant ophthalmic otic drops lozenge troche effervescent elixir syrup liquid product pack
    kit auto-injector cartridge pen injector jet intrathecal intravenous intramuscular
    subcutaneous medicated pad foam shampoo paste strip wafer dry bar soap enema irrigation
    emulsion drug implantable chewing gum sachet concentrate""".split()
)
_PLACEHOLDER = re.compile(r"^inert ingredients?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NameComponent:
    """One ingredient of a product name, as written (salt included)."""

    name: str
    value: float | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedName:
    components: tuple[NameComponent, ...]
    form: str | None = None
    brand: str | None = None
    pack: bool = False
    quantity: str | None = None  # "24 HR", "1 ML"
    qualifier: str | None = None  # "Abuse-Deterrent", "Once-Daily" (RXNORM_QUALIFIERS)

    @property
    def strengths_complete(self) -> bool:
        return all(c.value is not None for c in self.components)


def _unit(text: str) -> str:
    unit = re.sub(r"\s+", " ", text.strip()).upper()
    return {"UG": "MCG"}.get(unit, unit)


def _strip_form(text: str) -> tuple[str, str | None]:
    """Split trailing dose-form words off a name: ('Pseudoephedrine', 'Pill')."""
    words = text.split()
    k = len(words)
    while k > 1 and words[k - 1].lower() in FORM_WORDS:
        k -= 1
    form = " ".join(words[k:]) or None
    return " ".join(words[:k]), form


def _split_top(text: str, sep: str = " / ") -> list[str]:
    """Split on `sep` outside parentheses and braces."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


# Qualifiers RxNorm writes before a clinical or branded drug's ingredients (before or after its
# quantity) to tell apart products that would otherwise have one name: a delivery system, a
# release technology, a device, an indication. None is part of an ingredient's name: read as one,
# 'Once-Daily gabapentin' would be an unknown ingredient and the product would lose its class.
# Each was found in the RxNorm names of the shipped index and value sets (one RxCUI each):
RXNORM_QUALIFIERS: tuple[str, ...] = (
    "Abuse-Deterrent",  # 1049504 Abuse-Deterrent 12 HR oxycodone hydrochloride 10 MG ... [Oxycontin]
    "Matrix Delivery",  # 1946525 Matrix Delivery 24 HR tramadol hydrochloride 300 MG ...
    "Once-Daily",  # 1115012 Once-Daily gabapentin 300 MG Oral Tablet [Gralise]
    "Sensor",  # 1998451 Sensor aripiprazole 10 MG Oral Tablet; 2268064 Sensor 3 ML insulin ...
    "3-Bead",  # 1927610 3-Bead 24 HR amphetamine aspartate 12.5 MG / ... (Mydayis)
    "Sprinkle",  # 1494769 Sprinkle 24 HR topiramate 150 MG ...; 2200168 Sprinkle duloxetine ...
    "Osmotic",  # 1812011 Osmotic 24 HR nifedipine 30 MG Extended Release Oral Tablet
    "Modified",  # 1807888 Modified 24 HR metformin hydrochloride 1000 MG ...
    "Biphasic",  # 1807886 Biphasic 12 HR hyoscyamine sulfate 0.375 MG ...
    "Micronized",  # 2262711 Micronized isotretinoin 16 MG Oral Capsule
    "PMDD",  # 2532159 PMDD fluoxetine 10 MG Oral Tablet
)
# The dose a pen delivers, written before its quantity ('1 MG Dose 1.5 ML semaglutide 1.34 MG/ML
# Pen Injector', RxCUI 1991316): a qualifier too.
_QUALIFIER = re.compile(
    r"^(?:"
    + "|".join(re.escape(q).replace(r"\ ", r"\s+") for q in RXNORM_QUALIFIERS)
    + r"|\d+(?:\.\d+)?\s+MG\s+Dose)\s+",
    re.IGNORECASE,
)

# Words that name the salt or ester of an ingredient, not the ingredient ('oxycodone
# hydrochloride', 'oxycodone terephthalate'), used only to find two components of one drug that
# are one ingredient written as two salts (Percodan: 'oxycodone hydrochloride 4.5 MG /
# oxycodone terephthalate 0.38 MG'; Adderall: 'amphetamine aspartate' and 'amphetamine
# sulfate'). Cations are not in the list: 'sodium chloride' and 'sodium acetate' are two
# ingredients, not two salts of 'sodium'.
SALT_WORDS = frozenset(
    """hydrochloride hcl dihydrochloride sulfate sulphate bisulfate terephthalate aspartate
    saccharate bitartrate tartrate phosphate citrate maleate mesylate succinate besylate acetate
    fumarate bromide hydrobromide methylbromide pamoate napsylate tannate polistirex hyclate
    lactate gluconate nitrate mononitrate chloride carbonate oxide hydroxide dihydrate
    monohydrate trihydrate hemihydrate anhydrous""".split()
)
_CATIONS = frozenset(
    """sodium potassium calcium magnesium zinc ferrous ferric iron copper cupric manganese
    chromium lithium aluminum aluminium ammonium silver bismuth strontium barium selenium""".split()
)


def _base_words(name: str) -> tuple[str, ...] | None:
    """The words of a component without its trailing salt words, lower case ('oxycodone'), or
    None when none was removed or what is left is a cation ('sodium chloride')."""
    words = name.lower().split()
    k = len(words)
    while k > 1 and words[k - 1] in SALT_WORDS:
        k -= 1
    if k == len(words) or words[k - 1] in _CATIONS:
        return None
    return tuple(words[:k])


def _merge_salts(components: list[NameComponent]) -> list[NameComponent]:
    """Components of one drug that are salts of one ingredient, as that ingredient: written as
    its name without the salt, with the sum of their strengths when all give one in one unit
    ('oxycodone hydrochloride 4.5 MG / oxycodone terephthalate 0.38 MG' is 'oxycodone 4.88 MG').
    A strength written for a salt is the salt's weight, so the sum is the weight of the salts."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, c in enumerate(components):
        base = _base_words(c.name)
        if base is not None:
            groups.setdefault(base, []).append(i)
    merged = {b: idx for b, idx in groups.items() if len(idx) > 1}
    if not merged:
        return components
    out: list[NameComponent] = []
    done: set[int] = set()
    for i, c in enumerate(components):
        if i in done:
            continue
        base = _base_words(c.name)
        idx = merged.get(base) if base is not None else None
        if not idx:
            out.append(c)
            continue
        done.update(idx)
        parts = [components[j] for j in idx]
        name = " ".join(c.name.split()[: len(base or ())])
        units = {p.unit for p in parts}
        value = None
        if all(p.value is not None for p in parts) and len(units) == 1:
            value = round(sum(p.value or 0.0 for p in parts), 6)
        out.append(NameComponent(name, value, parts[0].unit if value is not None else None))
    return out


def _parse_drug(text: str) -> ParsedName | None:
    quantity = None
    qualifiers: list[str] = []
    for _ in range(3):  # a qualifier before the quantity, after it, or both
        qm = _QUALIFIER.match(text)
        if qm and text[qm.end() :]:
            qualifiers.append(qm.group(0).strip())
            text = text[qm.end() :]
            continue
        m = _PREFIX.match(text) if quantity is None else None
        if m and _COMPONENT.match(_QUALIFIER.sub("", text[m.end() :], count=1)):
            quantity = f"{m.group(1)} {m.group(2).upper()}"
            text = text[m.end() :]
            continue
        break
    parts = _split_top(text)
    if not parts or any(not p for p in parts):
        return None
    components: list[NameComponent] = []
    form: str | None = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        cm = _COMPONENT.match(part)
        if cm:
            rest = (cm.group("rest") or "").strip()
            if rest and not last:
                return None
            if rest:
                if re.search(r"\d", rest):
                    return None
                form = rest
            if float(cm.group("value")) <= 0:
                return None  # no product has a strength of 0 ('Soma 0 g tabs' is a dose text)
            components.append(
                NameComponent(
                    cm.group("name").strip(), float(cm.group("value")), _unit(cm.group("unit"))
                )
            )
        else:
            name = part
            if last:
                name, form = _strip_form(part)
            if not name:
                return None
            components.append(NameComponent(name))
    if len(components) == 1 and components[0].value is None and form is None:
        return None  # a bare name is not a product name
    return ParsedName(
        tuple(_merge_salts(components)),
        form=form,
        quantity=quantity,
        qualifier=" ".join(qualifiers) or None,
    )


def _parse_pack(text: str) -> ParsedName | None:
    m = re.match(r"^\{(?P<inner>.*)\}\s*(?P<form>[A-Za-z ]*)$", text)
    if not m:
        return None
    merged: dict[str, NameComponent] = {}
    agree: dict[str, bool] = {}
    parts_with: dict[str, int] = {}
    parts = 0
    for item in _split_top(m.group("inner").strip()):
        im = re.match(r"^(\d+)\s*(?:\([\d.]+ [A-Za-z]+\)\s*)?\((.*)\)$", item.strip())
        if not im:
            return None
        drug = parse_rxnorm_name(im.group(2).strip())
        if drug is None:
            return None
        active = [c for c in drug.components if not _PLACEHOLDER.match(c.name)]
        parts += 1 if active else 0
        for c in active:
            key = c.name.lower()
            parts_with[key] = parts_with.get(key, 0) + 1
            if key not in merged:
                merged[key] = c
                agree[key] = True
            elif (merged[key].value, merged[key].unit) != (c.value, c.unit):
                agree[key] = False
    if not merged:
        return None
    # A strength is a tablet's only when every active tablet of the pack has it: Paxlovid's
    # nirmatrelvir and ritonavir are separate tablets, so '3 tabs' is not 3 x 150 mg of each.
    components = tuple(
        c if agree[k] and parts_with[k] == parts else NameComponent(c.name)
        for k, c in merged.items()
    )
    return ParsedName(components, form=m.group("form").strip() or "Pack", pack=True)


# A name before its contents in brackets, then the dose form (no bracket elsewhere).
_NAMED_CONTENTS = re.compile(r"([^()\d][^()]*?) \(([^()]*\d[^()]*)\) ([A-Za-z][^()]*)")


def parse_rxnorm_name(name: str) -> ParsedName | None:
    """The parts of an RxNorm-style product name, or None when `name` is not one."""
    text = re.sub(r"\s+", " ", name.strip())
    # The basis of strength written beside a salt: 'tiZANidine 4 MG (as tiZANidine
    # hydrochloride 4.58 MG) Oral Tablet' is read as 'tiZANidine 4 MG Oral Tablet'.
    text = re.sub(r"\s*\(as [^()]*\)", "", text)
    # An application number some RxNorm names start with ('NDA020800 0.3 ML Epinephrine 1
    # MG/ML Auto-Injector'): not part of the drug.
    text = re.sub(r"^(?:NDA|ANDA|BLA)\d+\s+", "", text)
    brand = None
    bm = _BRAND.search(text)
    if bm:
        brand = bm.group(1).strip()
        text = text[: bm.start()].strip()
    named = _NAMED_CONTENTS.fullmatch(text) if brand is None else None
    if named:
        # RxNorm's synonym form 'Tylenol with Codeine #3 (acetaminophen 300 MG / codeine
        # phosphate 30 MG) Oral Tablet': a product name, then what it holds.
        brand, text = named.group(1).strip(), f"{named.group(2)} {named.group(3)}"
    if not text:
        return None
    parsed = _parse_pack(text) if text.startswith("{") else _parse_drug(text)
    if parsed is None:
        return None
    return ParsedName(
        parsed.components,
        form=parsed.form,
        brand=brand,
        pack=parsed.pack,
        quantity=parsed.quantity,
        qualifier=parsed.qualifier,
    )
