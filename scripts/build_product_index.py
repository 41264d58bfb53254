"""Build the shipped RxNorm product index, `knowledge/data/terminology/rxnorm_products.tsv`.

The index lets the safety check resolve what clinicians and EHRs send (RxNorm product names and
RxCUIs of clinical and branded drugs, packs and components, with their brands) to ingredients
without a loaded RxNorm release. It holds RxCUIs and RxNorm names only (RxNorm's own content,
SAB=RXNORM, carries no licence restriction), taken from public files whose origin and licence
are recorded below and in the file's header; every row names its origin, which is a source id in
`knowledge/data/sources/terminology.yaml`, so the index is cited like any other knowledge.

Inputs (none is copied into the project; only RxCUI-name pairs are extracted):

  --external DIR   the project's shared external folder (`../shared/external`):
                   rxnorm/opioid-cds-r4-valuesets/*.json  cqframework/opioid-cds-r4 @ b29bdcbf, CC0-1.0
                   rxnorm/vsac-ecqm/*.json, *.csv         VSAC eCQM expansions (cqframework/ecqm-content-r4
                                                          @ 04f5c491; canvas-medical/canvas-plugins
                                                          @ 344f0bcb, MIT)
  --canvas FILE    canvas_sdk/value_set/v2026/medication.py of canvas-medical/canvas-plugins @
                   344f0bcb924b2be7ffafb5ac7edf19d475704259 (MIT): every VSAC eCQM medication
                   value set of the 2026 measures, RxCUIs with their names
  --sandbox FILE   src/assets/medication-list.js of cds-hooks/sandbox @
                   3b7e25546771c6e7fc5e360aa7db6eb64af0b8b6 (Apache-2.0): an RxNorm extract of
                   oral clinical and branded drugs, components and dose form groups (2018)
  --dhimmel DIR    a checkout of dhimmel/indications @ 11d535ba0884ee56c3cd5756fdfb4985f313bd80
                   (CC0): ehrlink/data/rxnorm-as-ingredient.tsv (RxNorm products of every term
                   type with their ingredients, 2016) and labeledin/download/RXNORM.csv.gz (the
                   BioPortal export of RxNorm, 2015: preferred names and synonyms). Of the
                   BioPortal export only the products with an ingredient the knowledge base has
                   a rule or class for are kept (the index covers what matters to the rules).
  curated names    knowledge/data/terminology/rxnorm_curated.tsv (in the repository): names read
                   one by one from public pages, each row with its URL

Where two files name one RxCUI differently, the newer source's name comes first and the other is
kept as a second row (both names resolve). Names are written as their source writes them (no
ingredient columns): `knowledge/rxnames.py` reads them when the index is loaded (a qualifier such
as 'Once-Daily' or 'Sensor' before the ingredients, two salts of one ingredient), so a fix to
that reading needs no new index; only the BioPortal filter above reads names while building.
Run from the repository root:

    python scripts/build_product_index.py --external ../shared/external \\
        --canvas /path/to/medication.py --sandbox /path/to/medication-list.js
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

CANVAS_COMMIT = "344f0bcb924b2be7ffafb5ac7edf19d475704259"
CANVAS_PATH = "canvas_sdk/value_set/v2026/medication.py"
SANDBOX_COMMIT = "3b7e25546771c6e7fc5e360aa7db6eb64af0b8b6"
SANDBOX_PATH = "src/assets/medication-list.js"
OUT = Path("src/myorelax/knowledge/data/terminology/rxnorm_products.tsv")
CURATED = Path("src/myorelax/knowledge/data/terminology/rxnorm_curated.tsv")

# Origin ids, newest first: the order in which names of one RxCUI are written.
ORIGINS = (
    "rxnorm-curated",
    "vsac-ecqm-2026",
    "cdc-opioid-cds-valuesets",
    "vsac-ecqm-2022",
    "rxnorm-sandbox-2018",
    "rxnorm-dhimmel-2016",
    "rxnorm-bioportal-2015",
)
DHIMMEL_COMMIT = "11d535ba0884ee56c3cd5756fdfb4985f313bd80"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def from_value_sets(external: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for path in sorted((external / "rxnorm" / "opioid-cds-r4-valuesets").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for c in data.get("expansion", {}).get("contains", []):
            if str(c.get("system", "")).endswith("rxnorm") and c.get("display"):
                rows.append((c["code"], c["display"], "cdc-opioid-cds-valuesets", path.name))
    for path in sorted((external / "rxnorm" / "vsac-ecqm").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for c in data.get("expansion", {}).get("contains", []):
            if str(c.get("system", "")).endswith("rxnorm") and c.get("display"):
                rows.append((c["code"], c["display"], "vsac-ecqm-2022", path.name))
    for path in sorted((external / "rxnorm" / "vsac-ecqm").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r.get("code_system") == "RXNORM" and r.get("display"):
                    origin = "vsac-ecqm-2026" if "v2026" in r["source_file"] else "vsac-ecqm-2022"
                    rows.append((r["code"], r["display"], origin, path.name))
    return rows


def from_canvas(path: Path) -> list[tuple[str, str, str, str]]:
    text = path.read_text(encoding="utf-8")
    return [
        (code, name.strip(), "vsac-ecqm-2026", path.name)
        for code, name in re.findall(r'^\s+"(\d+)",\s+#\s+(.*)$', text, re.M)
    ]


def from_sandbox(path: Path) -> list[tuple[str, str, str, str]]:
    text = path.read_text(encoding="utf-8")
    section = text[text.index("cuiToName") : text.index("pillToComponentSets")]
    rows = []
    for m in re.finditer(r"^\s+(\d+): (['\"])((?:(?!\2)[^\\]|\\.)*)\2,$", section, re.M):
        name = m.group(3).replace("\\'", "'").replace('\\"', '"')
        rows.append((m.group(1), name, "rxnorm-sandbox-2018", path.name))
    return rows


def from_dhimmel(folder: Path) -> list[tuple[str, str, str, str]]:
    """Every product and ingredient of the file. A brand name (BN) has no strengths or form to
    read its ingredients from, so it is written with them, in the name grammar's own terms:
    'Albuterol / Ipratropium [Combivent]' (the brand's ingredients as the file lists them)."""
    path = folder / "ehrlink" / "data" / "rxnorm-as-ingredient.tsv"
    rows = []
    brands: dict[tuple[str, str], list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            rows.append(
                (r["ingredient_rxcui"], r["ingredient_name"], "rxnorm-dhimmel-2016", path.name)
            )
            if r["input_tty"] == "BN":
                brands.setdefault((r["input_rxcui"], r["input_name"]), []).append(
                    r["ingredient_name"]
                )
            else:
                rows.append((r["input_rxcui"], r["input_name"], "rxnorm-dhimmel-2016", path.name))
    for (code, brand), ingredients in brands.items():
        name = f"{' / '.join(sorted(ingredients, key=str.lower))} [{brand}]"
        rows.append((code, name, "rxnorm-dhimmel-2016", path.name))
    return rows


def from_bioportal(folder: Path) -> list[tuple[str, str, str, str]]:
    """Product names (preferred and synonyms) of the BioPortal RxNorm export whose ingredients
    include one the knowledge base knows (a monograph or a class member)."""
    import gzip

    from myorelax.errors import UnknownDrugError
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.rxnames import parse_rxnorm_name
    from myorelax.knowledge.terminology import Terminology

    term = Terminology(load_knowledge())
    known: dict[str, bool] = {}

    def relevant(name: str) -> bool:
        parsed = parse_rxnorm_name(name)
        if parsed is None:
            return False
        for c in parsed.components:
            if c.name not in known:
                try:
                    term.resolve(c.name)
                    known[c.name] = True
                except UnknownDrugError:
                    known[c.name] = False
            if known[c.name]:
                return True
        return False

    def ingredient_row(code: str, name: str) -> bool:
        """A bare ingredient row (TTY=IN, e.g. '3554 Disulfiram') of an ingredient the knowledge
        base lists under that very code."""
        try:
            ing = term.resolve(name).ingredient
        except UnknownDrugError:
            return False
        return ing.rxcui == code and ing.name.lower() == name.lower()

    path = folder / "labeledin" / "download" / "RXNORM.csv.gz"
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("Obsolete") == "true":
                continue
            code = r["Class ID"].rsplit("/", 1)[-1]
            names = [r["Preferred Label"], *(r.get("Synonyms") or "").split("|")]
            if not (any(relevant(n) for n in names if n) or ingredient_row(code, names[0])):
                continue
            rows += [(code, n, "rxnorm-bioportal-2015", path.name) for n in names if n]
    return rows


def from_curated(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            rows.append((r["rxcui"], r["name"], "rxnorm-curated", r["url"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.products import ingredient_fingerprint

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--external", type=Path, required=True)
    ap.add_argument("--canvas", type=Path, required=True)
    ap.add_argument("--sandbox", type=Path, required=True)
    ap.add_argument("--dhimmel", type=Path, required=True)
    args = ap.parse_args(argv)
    inputs = {
        "cqframework/opioid-cds-r4@b29bdcbf input/vocabulary/valueset (via shared/external)": (
            args.external / "rxnorm" / "opioid-cds-r4-valuesets"
        ),
        "VSAC eCQM expansions (via shared/external/rxnorm/vsac-ecqm)": (
            args.external / "rxnorm" / "vsac-ecqm"
        ),
        f"canvas-medical/canvas-plugins@{CANVAS_COMMIT}:{CANVAS_PATH}": args.canvas,
        f"cds-hooks/sandbox@{SANDBOX_COMMIT}:{SANDBOX_PATH}": args.sandbox,
        f"dhimmel/indications@{DHIMMEL_COMMIT}:ehrlink/data/rxnorm-as-ingredient.tsv": (
            args.dhimmel / "ehrlink" / "data" / "rxnorm-as-ingredient.tsv"
        ),
        f"dhimmel/indications@{DHIMMEL_COMMIT}:labeledin/download/RXNORM.csv.gz": (
            args.dhimmel / "labeledin" / "download" / "RXNORM.csv.gz"
        ),
        "curated": CURATED,
    }
    rows = (
        from_curated(CURATED)
        + from_value_sets(args.external)
        + from_canvas(args.canvas)
        + from_sandbox(args.sandbox)
        + from_dhimmel(args.dhimmel)
        + from_bioportal(args.dhimmel)
    )
    rank = {o: i for i, o in enumerate(ORIGINS)}
    seen: set[tuple[str, str]] = set()
    kept: list[tuple[str, str, str]] = []
    for code, name, origin, _file in sorted(rows, key=lambda r: (int(r[0]), rank[r[2]])):
        name = re.sub(r"\s+", " ", name).strip()
        key = (code, name.lower())
        if not code.isdigit() or not name or key in seen:
            continue
        seen.add(key)
        kept.append((code, name, origin))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("# RxNorm product index shipped with myorelax: RxCUI, RxNorm name, origin.\n")
        fh.write("# Generated by scripts/build_product_index.py; do not edit by hand.\n")
        for label, path in inputs.items():
            if path.is_file():
                fh.write(f"# input {label} (sha256 {_sha(path)})\n")
            else:
                files = sorted(p.name for p in path.iterdir() if p.is_file())
                fh.write(f"# input {label}: {len(files)} files\n")
        fh.write(f"# knowledge ingredients (sha256 {ingredient_fingerprint(load_knowledge())})\n")
        fh.write("rxcui\tname\torigin\n")
        for code, name, origin in kept:
            fh.write(f"{code}\t{name}\t{origin}\n")
    codes = {c for c, _, _ in kept}
    print(f"{OUT}: {len(kept)} names of {len(codes)} RxCUIs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
