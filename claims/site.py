"""The clinic's public evidence pages: static HTML and JSON per approved claim.

``render_site`` is pure (claims in, files out); ``claims.publish.write_site`` swaps the whole
set in at once, as a new version.
Pages are self-contained: inline CSS, an inline SVG chart drawn here, no scripts, fonts or
images, and a Content-Security-Policy that forbids loading anything. Only approved claims
appear, and only the fields named here are written, so nothing internal can ride along.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from claims.citations import doi_url, format_ama, pubmed_url
from core.article import DESIGNS, FINDINGS, Article
from core.claim import PUBLISHED_STATUS, ClaimSupport

SCHEMA_VERSION = 1
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CLAIM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")  # becomes a file name: no dots, no /
DESIGN_LABELS = {
    "meta_analysis": "Meta-analysis",
    "rct": "Randomised controlled trial",
    "nonrandomized_trial": "Non-randomised trial",
    "observational": "Observational study",
    "case_report": "Case report or series",
    "preclinical": "Preclinical study",
    "review": "Review",
    "other": "Other",
}
FINDING_COLOURS = {  # colour-blind-safe (Okabe-Ito), each with its label in the legend
    "positive": ("#009E73", "Positive"),
    "mixed": ("#E69F00", "Mixed"),
    "negative": ("#D55E00", "Negative"),
    "none": ("#999999", "No finding stated"),
}
SUPPORT_LABELS = {
    "supported": "Supported by the evidence",
    "mixed": "Mixed evidence",
    "insufficient": "Insufficient evidence",
    "contradicted": "Contradicted by the evidence",
}
STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;margin:0 auto;
max-width:52rem;padding:1rem 1.25rem}h1{font-size:1.5rem;line-height:1.3}
.meta{color:#555}.badge{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;
background:#eef3f8;margin-right:.4rem}ol li{margin:.5rem 0}a{color:#0b5394}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;
text-align:left}.retracted{color:#b00020;font-weight:600}svg text{font:13px sans-serif}
"""


def published(claims: Sequence[ClaimSupport]) -> list[ClaimSupport]:
    """The approved claims, by id; anything else never reaches the public site."""
    chosen = [c for c in claims if c.status == PUBLISHED_STATUS]
    for claim in chosen:
        if not _CLAIM_ID.fullmatch(claim.claim_id):
            raise ValueError(f"claim id {claim.claim_id!r} cannot be a file name")
    return sorted(chosen, key=lambda c: c.claim_id)


def render_site(claims: Sequence[ClaimSupport], generated_at: datetime) -> dict[str, str]:
    """Every file of the public site, by relative path: index, claims.json, a page and a JSON
    document per approved claim."""
    approved = published(claims)
    files: dict[str, str] = {}
    for claim in approved:
        data = claim_document(claim, generated_at)
        files[f"claims/{claim.claim_id}.json"] = _json(data)
        files[f"claims/{claim.claim_id}.html"] = claim_page(claim, generated_at)
    index = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at.isoformat(),
        "claims": [_index_entry(claim) for claim in approved],
    }
    files["claims.json"] = _json(index)
    files["index.html"] = index_page(approved, generated_at)
    return files


# --- JSON ----------------------------------------------------------------------------------


def claim_document(claim: ClaimSupport, generated_at: datetime) -> dict[str, Any]:
    """One approved claim as public JSON: wording, support, evidence summary, references."""
    return {
        "schema_version": SCHEMA_VERSION,
        **_public_summary(claim),
        "evidence": {
            "studies": sum(claim.counts_by_design.values()),
            "counts_by_design": {k: int(v) for k, v in _by_design(claim.counts_by_design)},
            "findings": {k: int(v) for k, v in _by_finding(claim.findings)},
            "participants": int(claim.participants),
        },
        "references": [_reference(article) for article in claim.references],
        "as_of": claim.as_of.isoformat() if claim.as_of else None,
        "generated_at": generated_at.isoformat(),
    }


def _reference(article: Article) -> dict[str, Any]:
    return {
        "pmid": article.pmid,
        "doi": article.doi,
        "title": article.title,
        "journal": article.journal_abbrev or article.journal,
        "year": article.year,
        "design": article.design,
        "finding": article.finding,
        "retracted": article.retracted,
        "ama": format_ama(article),
        "pubmed_url": pubmed_url(article),
        "doi_url": doi_url(article),
    }


def _public_summary(claim: ClaimSupport) -> dict[str, Any]:
    """The fields every public view of a claim shows, in this order."""
    return {
        "claim_id": claim.claim_id,
        "wording": claim.wording,
        "page": claim.page,
        "support": claim.support,
        "cebm_level": claim.cebm_level,
        "grade": claim.grade,
    }


def _index_entry(claim: ClaimSupport) -> dict[str, Any]:
    return {
        **_public_summary(claim),
        "studies": sum(claim.counts_by_design.values()),
        "json": f"claims/{claim.claim_id}.json",
        "html": f"claims/{claim.claim_id}.html",
    }


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _by_design(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Designs strongest first (TAXONOMY.md's order), unknown ones after; zeros dropped."""
    order = {name: i for i, name in enumerate(DESIGNS)}
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: order.get(kv[0], 99))


def _by_finding(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    order = {name: i for i, name in enumerate(FINDINGS)}
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: order.get(kv[0], 99))


# --- HTML ----------------------------------------------------------------------------------


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>{body}</body></html>\n"
    )


def index_page(claims: Sequence[ClaimSupport], generated_at: datetime) -> str:
    """The list of approved claims, each linking to its page."""
    items = "".join(
        f'<li><a href="claims/{escape(c.claim_id)}.html">{escape(c.wording)}</a>'
        f'<br><span class="meta">{escape(SUPPORT_LABELS.get(c.support, c.support))}'
        f"{_level_text(c)} · {sum(c.counts_by_design.values())} studies</span></li>"
        for c in claims
    )
    listing = f"<ul>{items}</ul>" if claims else "<p>No approved claims yet.</p>"
    body = (
        "<main><h1>The evidence behind our claims</h1>"
        f'{listing}<p class="meta">Also as JSON: <a href="claims.json">claims.json</a>. '
        f"Updated {escape(generated_at.date().isoformat())}.</p></main>"
    )
    return _page("The evidence behind our claims", body)


def claim_page(claim: ClaimSupport, generated_at: datetime) -> str:
    """One approved claim: its wording, support, evidence chart and references."""
    support = SUPPORT_LABELS.get(claim.support, claim.support)
    badges = f'<span class="badge">{escape(support)}</span>'
    if claim.cebm_level:
        badges += f'<span class="badge">Oxford CEBM level {escape(claim.cebm_level)}</span>'
    if claim.grade:
        badges += f'<span class="badge">GRADE certainty: {escape(claim.grade)}</span>'
    studies = sum(claim.counts_by_design.values())
    as_of = f"Evidence as of {claim.as_of.date().isoformat()}. " if claim.as_of else ""
    body = (
        f'<main><p><a href="../index.html">All claims</a></p><h1>{escape(claim.wording)}</h1>'
        f"<p>{badges}</p><h2>Evidence</h2>"
        f"<p>{studies} studies with {claim.participants:,} participants in all.</p>"
        f"{evidence_chart(claim)}{_design_table(claim)}"
        f"<h2>References</h2>{_references(claim.references)}"
        f'<p class="meta">{escape(as_of)}Updated {escape(generated_at.date().isoformat())}. '
        f'Also as <a href="{escape(claim.claim_id)}.json">JSON</a>.</p></main>'
    )
    return _page(claim.wording, body)


def _level_text(claim: ClaimSupport) -> str:
    return f" · CEBM level {escape(claim.cebm_level)}" if claim.cebm_level else ""


def _design_table(claim: ClaimSupport) -> str:
    rows = "".join(
        f"<tr><td>{escape(DESIGN_LABELS.get(k, k))}</td><td>{v}</td></tr>"
        for k, v in _by_design(claim.counts_by_design)
    )
    return f"<table><tr><th>Design</th><th>Studies</th></tr>{rows}</table>" if rows else ""


def _references(articles: Sequence[Article]) -> str:
    if not articles:
        return "<p>No references.</p>"
    items = []
    for article in articles:
        links = [f'<a href="{escape(pubmed_url(article))}">PubMed</a>']
        if url := doi_url(article):
            links.append(f'<a href="{escape(url)}">DOI</a>')
        flag = ' <span class="retracted">Retracted.</span>' if article.retracted else ""
        items.append(f"<li>{escape(format_ama(article))}{flag} {' · '.join(links)}</li>")
    return f"<ol>{''.join(items)}</ol>"


_LABEL_W, _BAR_W, _ROW_H = 210, 360, 26  # chart geometry, px


def evidence_chart(claim: ClaimSupport) -> str:
    """Inline SVG: a bar per study design, then one bar split by the direction of findings."""
    designs = _by_design(claim.counts_by_design)
    parts, height = _design_bars(designs)
    finding_parts, finding_height = _finding_bar(_by_finding(claim.findings), height)
    parts += finding_parts
    height += finding_height
    if not parts:
        return ""
    width = _LABEL_W + _BAR_W + 60
    summary = ", ".join(f"{DESIGN_LABELS.get(k, k)}: {v}" for k, v in designs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="evidence-chart">'
        f"<title>Studies by design: {escape(summary)}</title>{''.join(parts)}</svg>"
    )


def _design_bars(designs: Sequence[tuple[str, int]]) -> tuple[list[str], int]:
    """One labelled bar per design, scaled to the most frequent; and the height used."""
    widest = max((count for _, count in designs), default=1)
    parts = []
    for row, (key, count) in enumerate(designs):
        y = row * _ROW_H
        width = max(2, round(_BAR_W * count / widest))
        parts.append(
            f'<text x="0" y="{y + 17}">{escape(DESIGN_LABELS.get(key, key))}</text>'
            f'<rect x="{_LABEL_W}" y="{y + 4}" width="{width}" height="18" fill="#3b6ea5"/>'
            f'<text x="{_LABEL_W + width + 6}" y="{y + 17}">{count}</text>'
        )
    return parts, len(designs) * _ROW_H


def _finding_bar(findings: Sequence[tuple[str, int]], top: int) -> tuple[list[str], int]:
    """A bar split by finding, with its legend, starting at top; and the height used."""
    total = sum(count for _, count in findings)
    if not total:
        return [], 0
    y = top + 10
    parts = [f'<text x="0" y="{y + 17}">Findings</text>']
    x = float(_LABEL_W)
    legend_x = _LABEL_W
    for key, count in findings:
        colour, label = FINDING_COLOURS.get(key, ("#666666", key))
        share = _BAR_W * count / total
        text = f"{label} {count}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{share:.1f}" height="18" fill="{colour}">'
            f"<title>{escape(text)}</title></rect>"
            f'<rect x="{legend_x}" y="{y + _ROW_H + 6}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="{y + _ROW_H + 17}">{escape(text)}</text>'
        )
        x += share
        legend_x += 30 + 7 * len(text)
    return parts, 10 + 2 * _ROW_H
