"""The clinic's public evidence pages: static HTML and JSON per approved claim.

``render_site`` is pure (claims in, files out); ``claims.publish.write_site`` swaps the whole
set in at once, as a new version.
Pages are self-contained: inline CSS, an inline SVG chart (``claims.site_chart``), no scripts,
fonts or images, and a Content-Security-Policy that forbids loading anything. Only approved
claims appear, and only the fields named here are written, so nothing internal can ride along:
a claim was "reviewed by the medical director", never by a named person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

import core.claim as claim_records
from claims.citations import doi_url, format_ama, pubmed_url, record_gaps
from claims.site_chart import DESIGN_LABELS, by_design, by_finding, evidence_chart
from claims.site_config import SiteConfig
from core.article import Article
from core.claim import PUBLISHED_STATUS, ClaimSupport

SCHEMA_VERSION = 2
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CLAIM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")  # becomes a file name: no dots, no /
REVIEWER = "the medical director"  # all the public learns of who approved a claim
SUPPORT_LABELS = {
    "supported": "Supported by the evidence",
    "mixed": "Mixed evidence",
    "insufficient": "Insufficient evidence",
    "contradicted": "Contradicted by the evidence",
}
# What each level means, in plain words (the rules are README.md's "Support rules").
SUPPORT_MEANINGS = {
    "supported": "The strongest studies available mostly agree with the claim: at least twice "
    "as many support it as find against it or find mixed results.",
    "mixed": "The strongest studies disagree: some support the claim, others do not.",
    "insufficient": "There are too few studies to say: fewer than two that report a result, "
    "and no meta-analysis.",
    "contradicted": "More of the strongest studies find against the claim than for it.",
}
STRONGEST_NOTE = (
    "The strongest studies are the meta-analyses if there are any, otherwise the randomised "
    "controlled trials, otherwise every study counted. Retracted studies never count. The "
    "Oxford CEBM level runs from 1 (a systematic review of trials) to 5 (laboratory work or "
    "expert opinion): the lower, the stronger the best study behind the claim."
)
STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;background:#fff;
margin:0 auto;max-width:52rem;padding:1rem 1.25rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;line-height:1.3}h2{font-size:1.2rem}
.meta{color:#545454}.badge{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;
background:#eef3f8;margin:0 .4rem .3rem 0}ol li{margin:.5rem 0}a{color:#0b5394}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;
text-align:left}.retracted{color:#b00020;font-weight:600}
svg.evidence-chart{display:block;width:100%;max-width:40rem;height:auto}
svg text{font:13px sans-serif;fill:#1b1b1b}code{font-size:.85rem}
.note{border-left:4px solid #3b6ea5;padding:.2rem .8rem;background:#f6f8fa}
dt{font-weight:600}dd{margin:0 0 .5rem 1rem}
"""


@dataclass(frozen=True)
class Review:
    """What the public may know of the approval a claim stands on: the day, and the digest of
    the dossier frozen at that approval. Never who."""

    reviewed_on: date | None = None
    dossier_sha256: str | None = None


def published(claims: Sequence[ClaimSupport]) -> list[ClaimSupport]:
    """The approved claims, by id; anything else never reaches the public site."""
    chosen = [c for c in claims if c.status == PUBLISHED_STATUS]
    for claim in chosen:
        if not _CLAIM_ID.fullmatch(claim.claim_id):
            raise ValueError(f"claim id {claim.claim_id!r} cannot be a file name")
    return sorted(chosen, key=lambda c: c.claim_id)


def render_site(
    claims: Sequence[ClaimSupport],
    generated_at: datetime,
    *,
    reviews: Mapping[str, Review] | None = None,
    config: SiteConfig | None = None,
) -> dict[str, str]:
    """Every file of the public site, by relative path: index, claims.json, a page and a JSON
    document per approved claim."""
    approved = published(claims)
    reviews = reviews or {}
    config = config or SiteConfig()
    files: dict[str, str] = {}
    for claim in approved:
        review = reviews.get(claim.claim_id, Review())
        data = claim_document(claim, generated_at, review, config)
        files[f"claims/{claim.claim_id}.json"] = _json(data)
        files[f"claims/{claim.claim_id}.html"] = claim_page(claim, generated_at, review, config)
    index = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at.isoformat(),
        "disclaimer": config.disclaimer,
        "claims": [_index_entry(claim, reviews.get(claim.claim_id)) for claim in approved],
    }
    files["claims.json"] = _json(index)
    files["index.html"] = index_page(approved, generated_at, config)
    return files


def regulatory_notes(claim: ClaimSupport) -> list[str]:
    """The claim's regulatory notes, one per form ("Esketamine nasal spray: approved for ...";
    "IV racemic ketamine: off-label"), where the registry gives them."""
    notes = getattr(claim, "regulatory", None) or {}  # ClaimSupport.regulatory: form -> note
    names = getattr(claim_records, "FORM_NAMES", {})
    out = []
    for form, text in notes.items():
        text = " ".join(str(text).split())
        if text:
            name = str(names.get(form, form.replace("_", " ")))
            out.append(f"{name[:1].upper()}{name[1:]}: {text}")
    return out


# --- JSON ----------------------------------------------------------------------------------


def claim_document(
    claim: ClaimSupport, generated_at: datetime, review: Review, config: SiteConfig
) -> dict[str, Any]:
    """One approved claim as public JSON: wording, support, evidence summary, references."""
    return {
        "schema_version": SCHEMA_VERSION,
        **_public_summary(claim, review),
        "support_meaning": SUPPORT_MEANINGS.get(claim.support),
        "regulatory": regulatory_notes(claim),
        "support_by_form": support_by_form(claim),
        "evidence": {
            "studies": sum(claim.counts_by_design.values()),
            "counts_by_design": {k: int(v) for k, v in by_design(claim.counts_by_design)},
            "findings": {k: int(v) for k, v in by_finding(claim.findings)},
            "participants": int(claim.participants),
        },
        "references": [_reference(article) for article in claim.references],
        "disclaimer": config.disclaimer,
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
        "lacks": list(record_gaps(article)),
        "ama": format_ama(article),
        "pubmed_url": pubmed_url(article),
        "doi_url": doi_url(article),
    }


def _public_summary(claim: ClaimSupport, review: Review) -> dict[str, Any]:
    """The fields every public view of a claim shows, in this order."""
    return {
        "claim_id": claim.claim_id,
        "wording": claim.wording,
        "page": claim.page,
        "support": claim.support,
        "cebm_level": claim.cebm_level,
        "grade": claim.grade,
        "reviewed": {
            "by": REVIEWER,
            "on": review.reviewed_on.isoformat() if review.reviewed_on else None,
        },
        "dossier_sha256": review.dossier_sha256,
    }


def _index_entry(claim: ClaimSupport, review: Review | None) -> dict[str, Any]:
    return {
        **_public_summary(claim, review or Review()),
        "studies": sum(claim.counts_by_design.values()),
        "json": f"claims/{claim.claim_id}.json",
        "html": f"claims/{claim.claim_id}.html",
    }


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- HTML ----------------------------------------------------------------------------------


def _page(title: str, body: str, config: SiteConfig) -> str:
    """A whole page: the clinic's header and footer around the body, the disclaimer last."""
    header = f"<header>{config.header_html}</header>" if config.header_html else ""
    footer = f'<footer><p class="note">{escape(config.disclaimer)}</p>{config.footer_html}</footer>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}{config.stylesheet}</style></head>\n"
        f"<body>{header}{body}{footer}</body></html>\n"
    )


def index_page(claims: Sequence[ClaimSupport], generated_at: datetime, config: SiteConfig) -> str:
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
    return _page("The evidence behind our claims", body, config)


def claim_page(
    claim: ClaimSupport, generated_at: datetime, review: Review, config: SiteConfig
) -> str:
    """One approved claim: wording, who reviewed it and when, support in plain words, its
    regulatory note, the evidence chart, references and what the levels mean."""
    studies = sum(claim.counts_by_design.values())
    as_of = f"Evidence as of {claim.as_of.date().isoformat()}. " if claim.as_of else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in regulatory_notes(claim))
    body = (
        f'<main><p><a href="../index.html">All claims</a></p><h1>{escape(claim.wording)}</h1>'
        f'<p class="meta">{_reviewed(review)}</p><p>{_badges(claim)}</p>'
        f"<p>{escape(SUPPORT_MEANINGS.get(claim.support, ''))}</p>"
        + (f'<h2>Regulatory note</h2><ul class="note">{notes}</ul>' if notes else "")
        + "<h2>Evidence</h2>"
        f"<p>{studies} studies with {claim.participants:,} participants in all.</p>"
        f"{evidence_chart(claim.counts_by_design, claim.findings)}{_design_table(claim)}"
        f"{_forms_table(claim)}"
        f"<h2>References</h2>{_references(claim.references)}"
        f"<h2>What the levels mean</h2>{_levels()}"
        f'<p class="meta">{escape(as_of)}Updated {escape(generated_at.date().isoformat())}. '
        f'Also as <a href="{escape(claim.claim_id)}.json">JSON</a>.{_dossier(review)}</p></main>'
    )
    return _page(claim.wording, body, config)


def support_by_form(claim: ClaimSupport) -> list[dict[str, str]]:
    """The support per drug form (IV racemic ketamine, esketamine nasal spray, other forms),
    from the judged studies of each form, with the level in plain words."""
    names = getattr(claim_records, "FORM_NAMES", {})
    by_form = getattr(claim, "support_by_form", None) or {}
    return [
        {
            "form": str(names.get(form, form.replace("_", " "))),
            "support": SUPPORT_LABELS.get(status, status),
        }
        for form, status in by_form.items()
    ]


def _forms_table(claim: ClaimSupport) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(r["form"])}</th><td>{escape(r["support"])}</td></tr>'
        for r in support_by_form(claim)
    )
    if not rows:
        return ""
    head = '<tr><th scope="col">Drug form</th><th scope="col">Support</th></tr>'
    return f"<h3>By drug form</h3><table><thead>{head}</thead><tbody>{rows}</tbody></table>"


def _reviewed(review: Review) -> str:
    day = f" on {review.reviewed_on.isoformat()}" if review.reviewed_on else ""
    return f"Reviewed by {REVIEWER}{escape(day)}."


def _dossier(review: Review) -> str:
    if not review.dossier_sha256:
        return ""
    digest = escape(review.dossier_sha256)
    return f" Substantiation dossier of this approval: sha256 <code>{digest}</code>."


def _badges(claim: ClaimSupport) -> str:
    support = SUPPORT_LABELS.get(claim.support, claim.support)
    badges = f'<span class="badge">{escape(support)}</span>'
    if claim.cebm_level:
        badges += f'<span class="badge">Oxford CEBM level {escape(claim.cebm_level)}</span>'
    if claim.grade:
        badges += f'<span class="badge">GRADE certainty: {escape(claim.grade)}</span>'
    return badges


def _levels() -> str:
    entries = "".join(
        f"<dt>{escape(SUPPORT_LABELS[key])}</dt><dd>{escape(text)}</dd>"
        for key, text in SUPPORT_MEANINGS.items()
    )
    return f"<dl>{entries}</dl><p>{escape(STRONGEST_NOTE)}</p>"


def _level_text(claim: ClaimSupport) -> str:
    return f" · CEBM level {escape(claim.cebm_level)}" if claim.cebm_level else ""


def _design_table(claim: ClaimSupport) -> str:
    rows = "".join(
        f"<tr><td>{escape(DESIGN_LABELS.get(k, k))}</td><td>{v}</td></tr>"
        for k, v in by_design(claim.counts_by_design)
    )
    head = '<tr><th scope="col">Design</th><th scope="col">Studies</th></tr>'
    caption = "<caption>Studies by design</caption>"
    return f"<table>{caption}{head}{rows}</table>" if rows else ""


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
