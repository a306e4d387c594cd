"""`reports/fuzz/report.html`: the findings as one self-contained page, readable offline.

Grouped by operation: what the spec says (method, path, summary, documented statuses and media
types), then each finding with what the server did, how often, one example request and answer
(the key masked) and the replay command. Contract breaks come first; findings that rest only on
an assumption of the spec are listed apart, in their own section. No script, no external
stylesheet, font or image: the page opens from disk in any browser.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from generator.spec import Spec

from .findings import Finding

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #ddd; }
h3 { margin-top: 1.6rem; } .spec { color: #555; }
.finding { border: 1px solid #ccc; border-left: 6px solid #c62828; border-radius: 4px;
           padding: .6rem 1rem; margin: 1rem 0; }
.finding.assumption { border-left-color: #ef8f00; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 3px; font-size: .8rem;
         background: #eee; margin-right: .4rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; font-size: .85rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2rem .6rem; }
"""


def _pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _exchange(finding: Finding) -> str:
    request, response = finding.request, finding.response
    if not request:
        return ""
    head = f"{request.get('method')} {request.get('url')}\n"
    head += "".join(f"{k}: {v}\n" for k, v in (request.get("headers") or {}).items())
    answer = f"HTTP {response.get('status')}\n"
    answer += "".join(f"{k}: {v}\n" for k, v in (response.get("headers") or {}).items())
    return (
        "<details><summary>Example request and answer</summary>"
        f"{_pre(head + chr(10) + str(request.get('body') or ''))}"
        f"{_pre(answer + chr(10) + str(response.get('body') or ''))}</details>"
    )


def _finding(finding: Finding) -> str:
    css = "finding assumption" if finding.assumption_only else "finding"
    status = "no answer" if finding.status is None else f"HTTP {finding.status}"
    basis = "".join(f"<li>{escape(reason)}</li>" for reason in finding.assumptions)
    basis_html = (
        f"<p>Rests only on these assumptions of the spec:</p><ul>{basis}</ul>" if basis else ""
    )
    return (
        f'<div class="{css}"><p><span class="badge">{escape(finding.check)}</span>'
        f'<span class="badge">{escape(status)}</span>'
        f'<span class="badge">seen {finding.count}&times;</span>'
        f"<strong>{escape(finding.title)}</strong></p>"
        f"<p>What the server did:</p>{_pre(finding.message)}{basis_html}"
        f"{_exchange(finding)}<p>Replay (reads the key from <code>$TOKENMARKET_API_KEY</code>):</p>"
        f"{_pre(finding.replay)}</div>"
    )


def _spec_says(spec: Spec, operation_id: str) -> str:
    try:
        operation = spec.operation(operation_id)
    except ValueError:
        return ""
    statuses = ", ".join(response.status for response in operation.responses)
    media = ", ".join(operation.success_media_types)
    return (
        f'<p class="spec">The spec says: <code>{escape(operation.method)} '
        f"{escape(operation.path)}</code>: {escape(operation.summary.rstrip('.'))}. Success "
        f"{operation.success_status} as {escape(media)}; documented statuses: "
        f"{escape(statuses)}.</p>"
    )


def _section(spec: Spec, title: str, intro: str, findings: list[Finding]) -> str:
    parts = [f"<h2>{escape(title)} ({len(findings)})</h2><p>{escape(intro)}</p>"]
    operations = sorted({finding.operation for finding in findings})
    for operation in operations:
        group = [finding for finding in findings if finding.operation == operation]
        parts.append(f"<h3>{escape(operation)}</h3>{_spec_says(spec, operation)}")
        parts.extend(_finding(finding) for finding in group)
    return "".join(parts)


def render(spec: Spec, findings: list[Finding], summary: dict[str, Any]) -> str:
    """The whole page as HTML text."""
    contract = [finding for finding in findings if not finding.assumption_only]
    assumed = [finding for finding in findings if finding.assumption_only]
    rows = "".join(
        f"<tr><th>{escape(str(name))}</th><td>{escape(json.dumps(value))}</td></tr>"
        for name, value in summary.items()
    )
    verdict = (
        f"{len(contract)} contract break(s), {len(assumed)} contradicted assumption(s)"
        if findings
        else "No finding: the server answered as the spec says."
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>TokenMarket contract fuzzing report</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>TokenMarket contract fuzzing report</h1><p><strong>{escape(verdict)}</strong></p>"
        f"<table>{rows}</table>"
        + _section(
            spec,
            "Contract breaks",
            "The server differs from what openapi.yaml states and the public documentation "
            "backs. Each fails the run.",
            contract,
        )
        + _section(
            spec,
            "The server contradicts an assumption",
            "These rest only on elements the spec marks x-tokenmarket-assumption (what the "
            "public documentation does not state). They fail the run only with "
            "--strict-assumptions; often the spec, not the server, should change.",
            assumed,
        )
        + "</body></html>\n"
    )


def write(spec: Spec, findings: list[Finding], summary: dict[str, Any], path: Path) -> None:
    """Write the page to `path`."""
    path.write_text(render(spec, findings, summary), encoding="utf-8")
