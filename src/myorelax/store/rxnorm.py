"""A loaded RxNorm release: read from NLM's RRF files into the database, and consulted by the
medication resolver for whatever the shipped product index does not know.

`read_release(path)` reads RXNCONSO.RRF and RXNREL.RRF (required) and RXNSAT.RRF (optional: the
NDCs) from a folder (the release's `rrf/` folder, or its parent) or from the release's zip file,
checking every line: a missing file, a line with the wrong number of columns or a truncated
file is one `InputError` naming the file and line. Only then does `store_release` replace the
previous release in one transaction, so a bad release leaves the old one in place.

What is kept (SAB=RXNORM, English, not obsolete): every name of every concept of the term types
that name drugs (IN, PIN, MIN, BN, SCD, SBD, GPCK, BPCK, SCDC, SBDC, SCDF, SBDF, SCDG, SBDG and
the synonyms SY, TMSY (Tall Man), PSN), the ingredients of each brand name (BN to IN, read in
either direction of RXNREL), and the NDCs of RXNSAT (ATN=NDC). Products are read from their
RxNorm names by the same parser as everything else (`knowledge.rxnames`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, cast

from sqlalchemy import Engine, Table, delete, insert, select
from sqlalchemy.orm import Session

from myorelax.errors import InputError
from myorelax.knowledge.products import Product, brand_keys
from myorelax.knowledge.rxnames import NameComponent, parse_rxnorm_name
from myorelax.knowledge.text import normalize_name
from myorelax.store.tables import (
    RxNormBrandIngredientRow,
    RxNormNameRow,
    RxNormNdcRow,
    RxNormReleaseRow,
)

REQUIRED = ("RXNCONSO.RRF", "RXNREL.RRF")
OPTIONAL = ("RXNSAT.RRF",)
COLUMNS = {"RXNCONSO.RRF": 18, "RXNREL.RRF": 16, "RXNSAT.RRF": 13}
# Term types kept, in the order their names are preferred for a concept.
TTY_RANK = {
    tty: i
    for i, tty in enumerate(
        "IN PIN MIN BN SCD SBD GPCK BPCK SCDC SBDC SCDF SBDF SCDG SBDG PSN SY TMSY".split()
    )
}
ORIGIN = "rxnorm-release"
Progress = Callable[[int, int], None]


@dataclass
class Release:
    """What a release holds that the resolver uses."""

    source: str
    names: list[tuple[str, str, str]] = field(default_factory=list)  # rxcui, tty, name
    brand_ingredients: dict[str, set[str]] = field(default_factory=dict)  # BN -> IN rxcuis
    ndcs: list[tuple[str, str]] = field(default_factory=list)  # ndc (11 digits), rxcui


class _Files:
    """The RRF files of a release folder or zip, by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            for info in self._zip.infolist():
                base = info.filename.rsplit("/", 1)[-1].upper()
                if base in COLUMNS:
                    self._members.setdefault(base, info.filename)
        elif path.is_dir():
            for folder in (path, path / "rrf", path / "RRF"):
                if folder.is_dir():
                    for child in folder.iterdir():
                        if child.name.upper() in COLUMNS:
                            self._members.setdefault(child.name.upper(), str(child))
        else:
            raise InputError(
                f"{path} is neither an RxNorm release folder nor its zip file", field="PATH"
            )

    def has(self, name: str) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(self._members[name]).file_size
        return Path(self._members[name]).stat().st_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[str]]:
        if self._zip is not None:
            with self._zip.open(self._members[name]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", newline="")
        else:
            with open(self._members[name], encoding="utf-8", newline="") as fh:
                yield fh


def _rows(files: _Files, name: str, progress: Callable[[int], None]) -> Iterator[list[str]]:
    """The fields of each line, checked: RRF lines end with '|' after their last column."""
    expected = COLUMNS[name]
    with files.open(name) as fh:
        for n, line in enumerate(fh, 1):
            progress(len(line))
            text = line.rstrip("\r\n")
            if not text:
                continue
            cells = text.split("|")
            if len(cells) != expected + 1 or cells[-1] != "" or not line.endswith("\n"):
                got = len(cells) - 1 if cells[-1] == "" else len(cells)
                raise InputError(
                    f"{name} line {n}: {got} columns where RRF has {expected}"
                    + ("" if line.endswith("\n") else " (the file ends mid-line: truncated?)"),
                    field="PATH",
                )
            yield cells[:expected]


def read_release(path: Path, progress: Progress | None = None) -> Release:
    """Read and check a release; raise InputError naming the file and line of any problem."""
    files = _Files(path)
    missing = [n for n in REQUIRED if not files.has(n)]
    if missing:
        raise InputError(
            f"{path} holds no {' or '.join(missing)} (an RxNorm release's rrf files)", field="PATH"
        )
    names = [n for n in (*REQUIRED, *OPTIONAL) if files.has(n)]
    total = sum(files.size(n) for n in names)
    done = 0

    def tick(nbytes: int) -> None:
        nonlocal done
        done += nbytes
        if progress is not None and (done & 0xFFFFF) < nbytes:
            progress(done, total)

    release = Release(source=str(path))
    tty_of: dict[str, str] = {}
    for cells in _rows(files, "RXNCONSO.RRF", tick):
        rxcui, lat, sab, tty, name, suppress = (
            cells[0],
            cells[1],
            cells[11],
            cells[12],
            cells[14],
            cells[16],
        )
        if sab != "RXNORM" or lat != "ENG" or suppress == "O" or tty not in TTY_RANK:
            continue
        if not rxcui.isdigit():
            raise InputError(f"RXNCONSO.RRF: RXCUI {rxcui!r} is not a number", field="PATH")
        release.names.append((rxcui, tty, name))
        if TTY_RANK[tty] < TTY_RANK["PSN"]:
            tty_of.setdefault(rxcui, tty)
    for cells in _rows(files, "RXNREL.RRF", tick):
        a, b, sab, suppress = cells[0], cells[4], cells[10], cells[14]
        if sab != "RXNORM" or suppress == "O":
            continue
        for brand, other in ((a, b), (b, a)):
            if tty_of.get(brand) == "BN" and tty_of.get(other) == "IN":
                release.brand_ingredients.setdefault(brand, set()).add(other)
    if files.has("RXNSAT.RRF"):
        for cells in _rows(files, "RXNSAT.RRF", tick):
            rxcui, atn, sab, atv, suppress = cells[0], cells[8], cells[9], cells[10], cells[11]
            if atn == "NDC" and sab == "RXNORM" and suppress != "O":
                digits = re.sub(r"[^0-9]", "", atv)
                if len(digits) == 11:
                    release.ndcs.append((digits, rxcui))
    if progress is not None:
        progress(total, total)
    if not release.names:
        raise InputError(f"{path}: RXNCONSO.RRF holds no RxNorm drug names", field="PATH")
    return release


_BRAND_AT_END = re.compile(r"\[([^\[\]]+)\]\s*$")


def store_release(engine: Engine, release: Release) -> RxNormReleaseRow:
    """Replace the loaded release with `release`, in one transaction."""
    in_names = {rxcui: name for rxcui, tty, name in release.names if tty == "IN"}
    name_rows = []
    for rxcui, tty, name in release.names:
        # RxNorm writes a branded product's brand in brackets at the end of its name.
        bm = _BRAND_AT_END.search(name)
        brand = bm.group(1).strip() if bm else (name if tty == "BN" else None)
        name_rows.append(
            {
                "rxcui": rxcui,
                "tty": tty,
                "rank": TTY_RANK[tty],
                "name": name,
                "name_key": normalize_name(name)[:255],
                "brand_key": brand_keys(brand)[-1][:255] if brand else None,
            }
        )
    brand_rows = [
        {"brand_rxcui": bn, "ingredient_rxcui": rx, "ingredient_name": in_names[rx]}
        for bn, ins in release.brand_ingredients.items()
        for rx in sorted(ins)
        if rx in in_names
    ]
    ndc_rows = [{"ndc": ndc, "rxcui": rxcui} for ndc, rxcui in release.ndcs]
    with Session(engine) as session, session.begin():
        for table in (RxNormNdcRow, RxNormBrandIngredientRow, RxNormNameRow, RxNormReleaseRow):
            session.execute(delete(table))
        for table, rows in (
            (RxNormNameRow, name_rows),
            (RxNormBrandIngredientRow, brand_rows),
            (RxNormNdcRow, ndc_rows),
        ):
            # Core executemany (not the ORM's bulk path, which handles each row in Python).
            conn = session.connection()
            for start in range(0, len(rows), 20_000):
                conn.execute(insert(cast(Table, table.__table__)), rows[start : start + 20_000])
        row = RxNormReleaseRow(
            source=release.source[:500],
            loaded_at=datetime.now(UTC),
            names=len(name_rows),
            brands=len(release.brand_ingredients),
            ndcs=len(ndc_rows),
        )
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def loaded_release(engine: Engine) -> RxNormReleaseRow | None:
    """The release in the database, if any (None also when the tables do not exist yet)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with Session(engine) as session:
            return session.scalars(select(RxNormReleaseRow)).first()
    except SQLAlchemyError:
        return None


class LoadedRelease:
    """A loaded release as a product source of the medication resolver."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _products(self, where: object) -> list[Product]:
        with Session(self._engine) as session:
            rows = session.execute(
                select(RxNormNameRow.rxcui, RxNormNameRow.tty, RxNormNameRow.name)
                .where(where)  # type: ignore[arg-type]
                .order_by(RxNormNameRow.rank, RxNormNameRow.id)
            ).all()
            out: list[Product] = []
            seen: set[str] = set()
            for rxcui, tty, name in rows:
                if rxcui in seen:
                    continue
                seen.add(rxcui)
                if tty == "BN":
                    ingredients = session.scalars(
                        select(RxNormBrandIngredientRow.ingredient_name).where(
                            RxNormBrandIngredientRow.brand_rxcui == rxcui
                        )
                    ).all()
                    comps = tuple(NameComponent(n) for n in ingredients) or (NameComponent(name),)
                    out.append(Product(rxcui, name, comps, None, name, False, ORIGIN))
                    continue
                parsed = parse_rxnorm_name(name)
                if parsed is None:
                    out.append(
                        Product(rxcui, name, (NameComponent(name),), None, None, False, ORIGIN)
                    )
                else:
                    out.append(
                        Product(
                            rxcui,
                            name,
                            parsed.components,
                            parsed.form,
                            parsed.brand,
                            parsed.pack,
                            ORIGIN,
                        )
                    )
            return out

    def by_rxcui(self, code: str) -> list[Product]:
        return self._products(RxNormNameRow.rxcui == code.strip())

    def by_name(self, text: str) -> list[Product]:
        key = normalize_name(text)
        return self._products(RxNormNameRow.name_key == key) if key else []

    def by_brand(self, text: str) -> list[Product]:
        keys = brand_keys(text)
        return self._products(RxNormNameRow.brand_key == keys[-1]) if keys else []

    def by_ndc(self, code: str) -> list[Product]:
        with Session(self._engine) as session:
            rxcuis = session.scalars(
                select(RxNormNdcRow.rxcui).where(RxNormNdcRow.ndc.in_(ndc11_candidates(code)))
            ).all()
        return [p for rxcui in dict.fromkeys(rxcuis) for p in self.by_rxcui(rxcui)[:1]]


def ndc11_candidates(code: str) -> list[str]:
    """The 11-digit form(s) of an NDC as RXNSAT stores them: hyphenated 4-4-2, 5-3-2 and 5-4-1
    codes are padded segment by segment; ten bare digits could be any of the three."""
    text = code.strip()
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return [parts[0].zfill(5) + parts[1].zfill(4) + parts[2].zfill(2)]
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) == 11:
        return [digits]
    if len(digits) == 10:
        return ["0" + digits, digits[:5] + "0" + digits[5:], digits[:9] + "0" + digits[9:]]
    return []


def release_sources() -> tuple[LoadedRelease, ...]:
    """The loaded release of the configured database as a product source, or nothing: a
    default SQLite file that does not exist yet is not created, and a database that cannot be
    reached is not an error here (the shipped index still answers)."""
    import os
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from myorelax.store.db import ENV_URL, default_url, make_engine

    url = os.environ.get(ENV_URL) or default_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return ()
    try:
        return release_sources_of(make_engine(url))
    except (SQLAlchemyError, InputError):
        return ()


def release_sources_of(engine: Engine) -> tuple[LoadedRelease, ...]:
    """The release loaded in this database, if any, as a product source."""
    return (LoadedRelease(engine),) if loaded_release(engine) is not None else ()
