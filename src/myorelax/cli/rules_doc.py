"""Render the rule registry as Markdown: ``python -m myorelax.cli.rules_doc``.

`docs/safety-rules.md` is this output; a test keeps it in step with `knowledge/data/rules/`.
"""

from __future__ import annotations

from collections.abc import Mapping

from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import ADVICE_FIELDS, Rule


def render() -> str:
    kb = load_knowledge()
    lines = [
        "# Safety rules",
        "",
        "Generated from `src/myorelax/knowledge/data/rules/` by `python -m myorelax.cli.rules_doc`."
        " Each code is stable: it names the rule's knowledge file, its alerts and its scenario "
        "folder `tests/scenarios/<code>/`.",
        "",
        "| code | rule | category | severity | evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for code in sorted(kb.rules):
        r = kb.rules[code]
        ev = "; ".join(
            f"[{kb.sources[e.source].title}]({kb.sources[e.source].link})"
            + (f" §{e.section}" if e.section else "")
            for e in r.evidence
            if e.source
        )
        lines.append(f"| {code} | {r.name} | {r.category} | {r.severity_text()} | {ev} |")
    lines += ["", "## What each rule checks", ""]
    for code in sorted(kb.rules):
        r = kb.rules[code]
        lines.append(f"- **{code} {r.name}.** {r.description}")
    lines += _advice_section(kb.rules)
    return "\n".join(lines) + "\n"


def _advice_section(rules: Mapping[str, Rule]) -> list[str]:
    """Each rule's advice: the recommendation and mechanism templates of every branch, and the
    phrases a check assembles into a value, then the vocabulary of the templates' fields."""
    lines = [
        "",
        "## What each rule advises",
        "",
        "The alert's recommendation and mechanism are the rule's `advice` templates (its knowledge "
        "file), one per branch of the rule (`default`, and the branches a check names), with the "
        "`{fields}` filled by the check (see the fields below).",
    ]
    for code in sorted(rules):
        r = rules[code]
        lines += ["", f"### {code} {r.name}", ""]
        for a in r.advice:
            lines += [
                f"- `{a.when}`",
                f"  - recommendation: {a.recommendation}",
                f"  - mechanism: {a.mechanism}",
            ]
        for ph in r.phrases:
            lines.append(f"- phrase `{ph.name}`: {ph.text}")
    lines += ["", "## Advice template fields", "", "| field | value |", "| --- | --- |"]
    lines += [f"| `{{{name}}}` | {meaning} |" for name, meaning in sorted(ADVICE_FIELDS.items())]
    return lines


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
