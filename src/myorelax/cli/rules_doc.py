"""Render the rule registry as Markdown: ``python -m myorelax.cli.rules_doc``.

`docs/safety-rules.md` is this output; a test keeps it in step with `knowledge/data/rules/`.
"""

from __future__ import annotations

from myorelax.knowledge.loader import load_knowledge


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
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
