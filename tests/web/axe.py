"""axe-core (vendored) run in a page: the WCAG 2.1 A and AA rules, one helper for every browser
test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULES = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"


def axe_run(page: Any) -> tuple[list[str], int]:
    """The violations (one line each, with impact and the first targets) and the number of
    rules passed on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {RULES})")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]
    return problems, len(result["passes"])


def assert_accessible(page: Any, where: str) -> None:
    """No violation, and more than ten rules actually checked (an empty page proves nothing)."""
    problems, passes = axe_run(page)
    assert not problems, f"{where}: {problems}"
    assert passes > 10
