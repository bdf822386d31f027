"""The ``compsem check`` writers: a terminal table, a Markdown summary and JUnit XML.

Each takes a :class:`compsem.check.CheckResult` and returns text; nothing here scores or reads files.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from compsem.check import CheckResult
from compsem.data.formatting import markdown_text, visible_controls, xml_text


def _count(n: int, k: int) -> str:
    return f"{k}/{n}"


def text_table(result: CheckResult) -> str:
    """The result as a plain-text table for the terminal, with a last line PASSED or FAILED."""
    head = ("category", "pairs >= t", "rate", "limit", "result")
    rows = [
        (
            visible_controls(c.label),
            _count(c.n, c.n_at_or_above),
            f"{c.rate:.1%}",
            c.rule,
            c.status.upper() if c.limit is not None else "-",
        )
        for c in result.categories
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    label, model, source = (visible_controls(x) for x in (result.label, result.model, result.pairs_source))
    out = [
        f"compsem check: {label} ({model}) on {source}, threshold {result.threshold_text}",
        line(head),
        line(["-" * w for w in widths]),
    ]
    out += [line(r) for r in rows]
    tested = [c for c in result.categories if c.limit is not None]
    verdict = "PASSED" if result.ok else "FAILED"
    if result.truncation_warning:
        out.append(f"warning: {visible_controls(result.truncation_warning)}")
    out.append(
        f"{verdict}: {len(tested) - len(result.failed)} of {len(tested)} limit(s) hold"
        + (f"; broken: {', '.join(visible_controls(c.label) for c in result.failed)}" if result.failed else "")
    )
    return "\n".join(out)


def markdown_summary(result: CheckResult) -> str:
    """A Markdown summary (for a CI job summary or a pull-request comment).

    Every name (model, label, category, pair file) is literal text (:func:`compsem.data.formatting.markdown_text`):
    no HTML, link or table syntax from a pair file or a model card reaches the rendered page.
    """
    verdict = "✅ passed" if result.ok else "❌ failed"
    esc = markdown_text
    lines = [
        f"## compsem check: {esc(result.label)} — {verdict}",
        "",
        f"Model {esc(result.model)} on {esc(result.pairs_source)}; threshold {result.threshold_text}. "
        "Rate = share of pairs scoring at or above the threshold: a failure rate (limit is a maximum), or a "
        "pass rate for positive controls (limit is a minimum).",
        "",
        *([f"⚠️ {esc(result.truncation_warning)}.", ""] if result.truncation_warning else []),
        "| category | pairs ≥ t | rate | limit | result |",
        "|---|---|---|---|---|",
    ]
    for c in result.categories:
        mark = {"passed": "✅ passed", "failed": "❌ failed", "no limit": "— no limit"}[c.status]
        lines.append(f"| {esc(c.label)} | {c.n_at_or_above}/{c.n} | {c.rate:.1%} | {c.rule} | {mark} |")
    return "\n".join(lines) + "\n"


def junit_xml(result: CheckResult) -> str:
    """JUnit XML: one ``<testcase>`` per category.

    A broken limit is a ``<failure>``; a category without a limit is ``<skipped>`` (it was
    measured, not tested). The suite's properties hold the model, the pair set and the threshold.
    Every attribute and text passes :func:`compsem.data.formatting.xml_text`, so a name holding a
    character XML 1.0 forbids (BEL, ESC) still gives a file every XML parser reads.
    """
    tested = [c for c in result.categories if c.limit is not None]
    suite_name = f"compsem check {result.model}"
    root = ET.Element(
        "testsuites",
        name="compsem check",
        tests=str(len(result.categories)),
        failures=str(len(result.failed)),
        errors="0",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(len(result.categories)),
        failures=str(len(result.failed)),
        errors="0",
        skipped=str(len(result.categories) - len(tested)),
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("model", result.model),
        ("pairs", result.pairs_source),
        ("threshold", f"{result.threshold:.6g}"),
        ("calibrated", str(result.calibrated).lower()),
        *([("truncated_pairs", str(result.truncation.truncated))] if result.truncation is not None else []),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for c in result.categories:
        case = ET.SubElement(suite, "testcase", classname=f"compsem.check.{result.model}", name=c.category, time="0")
        measured = (
            f"{c.meaning.replace('_', ' ')} {c.rate:.1%} ({c.n_at_or_above} of {c.n} pairs score >= "
            f"{result.threshold:.3g})"
        )
        if c.status == "failed":
            failure = ET.SubElement(
                case, "failure", message=f"{c.label}: {measured}; limit {c.rule}", type="LimitExceeded"
            )
            failure.text = f"{c.label}: {measured}; the limit is {c.rule}."
        elif c.status == "no limit":
            ET.SubElement(case, "skipped", message=f"no limit set; {measured}")
        else:
            ET.SubElement(case, "system-out").text = f"{measured}; limit {c.rule}"
    for element in root.iter():
        element.text = None if element.text is None else xml_text(element.text)
        for name, value in element.attrib.items():
            element.set(name, xml_text(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["junit_xml", "markdown_summary", "text_table"]
