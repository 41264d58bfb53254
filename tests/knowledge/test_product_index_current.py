"""The shipped product index was built for the knowledge base as it is.

`scripts/build_product_index.py` keeps the BioPortal RxNorm products whose ingredients the
knowledge base knows; when classes gained members (barbiturates, antiepileptics...) without a
rebuild, 1,967 product names of those ingredients were missing, so their brands were 'not a
drug known here'. The index's header records a digest of the ingredient names it was built for.
"""

from __future__ import annotations

from importlib import resources

from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.products import ingredient_fingerprint


def test_the_index_was_built_for_these_ingredients() -> None:
    index = resources.files("myorelax.knowledge") / "data" / "terminology" / "rxnorm_products.tsv"
    with index.open(encoding="utf-8") as fh:
        header = [line for line in fh if line.startswith("#")]
    recorded = [h for h in header if h.startswith("# knowledge ingredients")]
    assert recorded, "the index header records no knowledge digest: rebuild it"
    assert f"(sha256 {ingredient_fingerprint(load_knowledge())})" in recorded[0], (
        "the knowledge base's ingredients changed since the product index was built: run "
        "scripts/build_product_index.py (see its docstring for the inputs)"
    )
