"""A dossier as a page a person reads (and prints): the frozen JSON, laid out. Pure.

Self-contained like the public pages (inline CSS, no scripts, nothing loaded); every value is
escaped, since titles and key findings are PubMed's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;"
    "max-width:70rem;padding:1rem;overflow-wrap:anywhere}table{border-collapse:collapse;"
    "width:100%}td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left;"
    "vertical-align:top}code{font-size:.85rem}.warn{color:#8a1c00;font-weight:600}"
)
STUDY_COLUMNS = (
    ("pmid", "PMID"),
    ("design", "Design"),
    ("participants", "Participants"),
    ("finding", "Finding"),
    ("judgement", "Judgement"),
    ("counted", "Counted"),
    ("key_finding", "Key finding"),
    ("retracted", "Retracted"),
    ("model_version", "Model version"),
    ("lacks", "Record lacks"),
)


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _rows(pairs: Sequence[tuple[str, Any]]) -> str:
    return "".join(
        f'<tr><th scope="row">{escape(k)}</th><td>{escape(_text(v))}</td></tr>' for k, v in pairs
    )


def dossier_html(body: Mapping[str, Any], sha256: str) -> str:
    """The dossier's page: approval, rule and counts, studies, what the records lack."""
    approval, rule = body["approval"], body["rule"]
    incomplete = body["incomplete_records"]
    head = _rows(
        [
            ("Wording approved", body["wording"]),
            ("Approved by", approval["approved_by"]),
            ("Approved at (UTC)", approval["approved_at"]),
            ("Where", approval["channel"]),
            ("Reason", approval["reason"]),
            ("Override of weak support", approval["override_reason"]),
            ("Cited PMIDs", approval["cited_pmids"]),
            ("Evidence as of", body["evidence_as_of"]),
            ("Kind", body.get("kind")),
            ("Beyond the approved label", body.get("beyond_label")),
        ]
    )
    regulatory = [(f"Regulatory: {k}", v) for k, v in (body.get("regulatory") or {}).items()]
    rules = _rows(
        [
            ("Support", rule["support"]),
            ("Oxford CEBM level", rule["cebm_level"]),
            ("Deciding tier", rule["deciding_tier"]),
            ("For / against / mixed in it", f"{rule['tier_for']} / {rule['tier_against']} / "
             f"{rule['tier_mixed']}"),
            ("Studies counted / candidates", f"{rule['counted']} / {rule['candidates']}"),
            ("Candidates not yet judged", rule["unjudged"]),
            ("Support by form", rule["support_by_form"]),
            ("Rule", rule["rule"]),
        ]
    )  # fmt: skip
    header = "".join(f'<th scope="col">{escape(t)}</th>' for _, t in STUDY_COLUMNS)
    studies = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(s.get(k)))}</td>" for k, _ in STUDY_COLUMNS) + "</tr>"
        for s in body["studies"]
    )
    lacking = (
        f"{incomplete['no_authors']} of {incomplete['studies']} studies have no authors listed "
        f"in PubMed; {incomplete['no_year']} have no year recorded."
    )
    title = f"Substantiation dossier: {body['claim_id']}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body><main>"
        f"<h1>{escape(title)}</h1><p>Dossier <code>{escape(body['dossier_id'])}</code>, "
        f"sha256 <code>{escape(sha256)}</code> (of the JSON file, byte for byte).</p>"
        f"<h2>Approval</h2><table>{head}{_rows(regulatory)}</table>"
        f"<h2>Rule applied</h2><table>{rules}</table>"
        f"<h2>Judged studies</h2><p>{escape(lacking)}</p>"
        f"<table><tr>{header}</tr>{studies}</table></main></body></html>\n"
    )
