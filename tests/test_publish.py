"""The public evidence pages: what render_site writes, how write_site swaps it in, and the pages
in Chromium (through Playwright, Debian's build) with every network request recorded.

Claims are built by hand from real records parsed by our own parser.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

import pytest

from claims.citations import format_ama
from claims.publish import write_site
from claims.site import CSP, Review, render_site
from claims.site_config import DEFAULT_DISCLAIMER, SiteConfigError, load_site_config
from core.article import Article
from core.claim import FORM_NAMES, ClaimSupport
from pubmed.parser import iter_records

ROOT = Path(__file__).resolve().parent.parent
KETAMINE_XML = ROOT / "data" / "ketamine" / "ketamine-records.xml"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
GENERATED = datetime(2026, 11, 27, 3, 45, tzinfo=UTC)
AS_OF = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)
SCRIPT_TITLE = 'Ketamine <script>alert("x")</script> & "quotes" in a title'
CLAIM_KEYS = {
    "schema_version",
    "claim_id",
    "wording",
    "page",
    "support",
    "cebm_level",
    "grade",
    "reviewed",
    "dossier_sha256",
    "support_meaning",
    "regulatory",
    "support_by_form",
    "disclaimer",
    "evidence",
    "references",
    "as_of",
    "generated_at",
}
REFERENCE_KEYS = {
    "pmid",
    "doi",
    "title",
    "journal",
    "year",
    "design",
    "finding",
    "retracted",
    "lacks",
    "ama",
    "pubmed_url",
    "doi_url",
}


@pytest.fixture(scope="module")
def records() -> list[Article]:
    with KETAMINE_XML.open("rb") as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]


@dataclasses.dataclass(frozen=True)
class InternalClaim(ClaimSupport):
    """A claim object that also carries what must never be published (as a registry row might)."""

    reviewer: str = "Dr Ada Lovelace"
    notes: str = "Internal: wait for the 2027 trial before widening this."


@pytest.fixture(scope="module")
def claims(records: list[Article]) -> list[ClaimSupport]:
    with_doi = [r for r in records if r.doi and r.authors and r.title][:4]
    labelled = [
        dataclasses.replace(with_doi[0], design="meta_analysis", finding="positive"),
        dataclasses.replace(with_doi[1], design="rct", finding="positive", title=SCRIPT_TITLE),
        dataclasses.replace(with_doi[2], design="rct", finding="mixed", model_version="m-secret"),
    ]
    approved = InternalClaim(
        claim_id="rapid-relief",
        wording="Ketamine can relieve depression within hours <b>for some</b> patients.",
        page="/treatments/depression",
        status="approved",
        support="supported",
        cebm_level="1a",
        grade="moderate",
        counts_by_design={"rct": 2, "meta_analysis": 1, "observational": 0},
        findings={"positive": 2, "mixed": 1},
        participants=1234,
        references=tuple(labelled),
        as_of=AS_OF,
    )
    draft = dataclasses.replace(
        approved, claim_id="draft-claim", wording="An unapproved draft claim", status="draft"
    )
    withdrawn = dataclasses.replace(
        approved, claim_id="old-claim", wording="A withdrawn claim", status="withdrawn"
    )
    bare = ClaimSupport(
        claim_id="side-effects",
        wording="Side effects are usually short-lived.",
        page="/safety",
        status="approved",
        support="insufficient",
        cebm_level=None,
        grade=None,
        references=(with_doi[3],),
    )
    return [draft, approved, withdrawn, bare]


@pytest.fixture(scope="module")
def site(claims: list[ClaimSupport]) -> dict[str, str]:
    return render_site(claims, GENERATED)


def test_only_approved_claims_are_written(site: dict[str, str]) -> None:
    assert sorted(site) == [
        "claims.json",
        "claims/rapid-relief.html",
        "claims/rapid-relief.json",
        "claims/side-effects.html",
        "claims/side-effects.json",
        "index.html",
    ]
    everything = "".join(site.values())
    assert "draft" not in everything and "withdrawn" not in everything.lower()
    index = json.loads(site["claims.json"])
    assert [c["claim_id"] for c in index["claims"]] == ["rapid-relief", "side-effects"]


def test_no_reviewer_names_notes_or_model_internals_leak(
    site: dict[str, str], claims: list[ClaimSupport]
) -> None:
    assert not {f.name for f in dataclasses.fields(ClaimSupport)} & {"reviewer", "notes"}
    everything = "".join(site.values())
    for secret in ("Lovelace", "Internal:", "2027 trial", "m-secret", "reviewer", "notes"):
        assert secret not in everything
    abstracts = [a.abstract for c in claims for a in c.references if a.abstract]
    assert abstracts and not any(text[:80] in everything for text in abstracts)


def test_claim_json_follows_the_public_schema(
    site: dict[str, str], claims: list[ClaimSupport]
) -> None:
    doc = json.loads(site["claims/rapid-relief.json"])
    assert set(doc) == CLAIM_KEYS
    assert doc["evidence"] == {
        "studies": 3,
        "counts_by_design": {"meta_analysis": 1, "rct": 2},
        "findings": {"positive": 2, "mixed": 1},
        "participants": 1234,
    }
    assert (doc["support"], doc["cebm_level"], doc["grade"]) == ("supported", "1a", "moderate")
    assert doc["as_of"] == AS_OF.isoformat() and doc["generated_at"] == GENERATED.isoformat()
    references = claims[1].references
    assert [r["pmid"] for r in doc["references"]] == [a.pmid for a in references]
    for ref, article in zip(doc["references"], references, strict=True):
        assert set(ref) == REFERENCE_KEYS
        assert ref["ama"] == format_ama(article)
        assert ref["pubmed_url"] == f"https://pubmed.ncbi.nlm.nih.gov/{article.pmid}/"
        assert ref["doi_url"] == f"https://doi.org/{article.doi}"
    bare = json.loads(site["claims/side-effects.json"])
    assert (bare["cebm_level"], bare["grade"], bare["as_of"]) == (None, None, None)


def test_html_escapes_every_text_and_loads_nothing_from_outside(site: dict[str, str]) -> None:
    page = site["claims/rapid-relief.html"]
    assert "<script" not in page and "<b>for some</b>" not in page
    assert "Ketamine &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in page
    assert "&lt;b&gt;for some&lt;/b&gt;" in page
    for name, html in site.items():
        if not name.endswith(".html"):
            continue
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
        assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html), name
        assert not re.search(r"\b(src|srcset)=|@import|url\(", html), name
    assert "default-src 'none'" in CSP


def test_claim_page_shows_support_chart_and_references(site: dict[str, str]) -> None:
    page = site["claims/rapid-relief.html"]
    assert page.count("<svg") == 1 and "Meta-analysis" in page and "Randomised" in page
    assert "Oxford CEBM level 1a" in page and "GRADE certainty: moderate" in page
    assert "1,234 participants" in page and "Evidence as of 2026-11-27" in page
    assert page.count('href="https://pubmed.ncbi.nlm.nih.gov/') == 3
    assert page.count('href="https://doi.org/') == 3
    index = site["index.html"]
    assert 'href="claims/rapid-relief.html"' in index and 'href="claims/side-effects.html"' in index


def test_empty_site_and_unsafe_claim_ids(claims: list[ClaimSupport]) -> None:
    empty = render_site([claims[0]], GENERATED)
    assert sorted(empty) == ["claims.json", "index.html"]
    assert "No approved claims yet." in empty["index.html"]
    evil = dataclasses.replace(claims[1], claim_id="../../etc/passwd")
    with pytest.raises(ValueError, match="cannot be a file name"):
        render_site([evil], GENERATED)


def test_write_site_swaps_the_whole_set_in(site: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(site, out)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted([*site, ".ketamine-evidence-manifest.json"])
    smaller = render_site([], GENERATED)
    write_site(smaller, out)  # a withdrawn claim's files go with the old version
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        ".ketamine-evidence-manifest.json",
        "claims.json",
        "index.html",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "public.versions"]
    mine = tmp_path / "someone-elses"
    mine.mkdir()
    (mine / "thesis.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_site(site, mine)
    assert (mine / "thesis.tex").read_text(encoding="utf-8") == "keep me"


# --- in the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The written site behind a local http.server on a free port."""
    out = write_site(site, tmp_path_factory.mktemp("published") / "site").outdir
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
def test_published_pages_show_in_chromium_and_load_only_their_own_files(
    browser, served: str, claims: list[ClaimSupport]
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    context.set_default_timeout(30_000)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(f"{served}/index.html")
        approved = claims[1]
        page.get_by_role("link", name=approved.wording).click()
        page.wait_for_url(f"{served}/claims/rapid-relief.html")
        page.get_by_role("heading", name=approved.wording).wait_for()
        assert page.locator("svg.evidence-chart rect").count() >= 5
        assert page.locator("svg.evidence-chart").bounding_box()["width"] > 300
        assert page.get_by_text(SCRIPT_TITLE).count() == 1  # shown as text, never run
        assert page.locator("ol li").count() == len(approved.references)
        assert page.get_by_role("link", name="PubMed").count() == len(approved.references)
        page.get_by_text("Oxford CEBM level 1a").wait_for()
        page.get_by_role("link", name="All claims").click()
        page.wait_for_url(f"{served}/index.html")
        assert page.get_by_text("An unapproved draft claim").count() == 0
    finally:
        context.close()
    assert requests, "the browser made no requests at all"
    outside = [url for url in requests if not url.startswith(f"{served}/")]
    assert outside == []


# --- reviewed, levels, regulatory notes, the clinic's look ------------------------------------


def test_claim_page_says_who_reviewed_it_when_and_what_the_levels_mean(
    claims: list[ClaimSupport],
) -> None:
    digest = "ab" * 32
    noted = dataclasses.replace(claims[1])
    object.__setattr__(noted, "regulatory", {"iv_racemic": "off-label for depression"})
    site = render_site(
        [noted, claims[3]],
        GENERATED,
        reviews={"rapid-relief": Review(date(2026, 11, 20), digest)},
    )
    page = site["claims/rapid-relief.html"]
    assert "Reviewed by the medical director on 2026-11-20." in page
    assert f"sha256 <code>{digest}</code>" in page
    assert "The strongest studies available mostly agree with the claim" in page
    assert page.count("<dt>") == 4 and "Insufficient evidence" in page
    assert "<h2>Regulatory note</h2>" in page and "off-label for depression" in page
    assert DEFAULT_DISCLAIMER in page and "not medical advice" in DEFAULT_DISCLAIMER
    doc = json.loads(site["claims/rapid-relief.json"])
    assert doc["reviewed"] == {"by": "the medical director", "on": "2026-11-20"}
    assert doc["dossier_sha256"] == digest and doc["regulatory"][0].endswith("depression")
    bare = site["claims/side-effects.html"]
    assert "Reviewed by the medical director." in bare and "Regulatory note" not in bare


def test_a_reference_without_authors_or_year_says_so(claims: list[ClaimSupport]) -> None:
    lacking = dataclasses.replace(claims[3].references[0], authors=(), year=None)
    site = render_site([dataclasses.replace(claims[3], references=(lacking,))], GENERATED)
    page = site["claims/side-effects.html"]
    assert "[No authors listed in PubMed]." in page and "[Year not recorded]" in page
    (ref,) = json.loads(site["claims/side-effects.json"])["references"]
    assert ref["lacks"] == ["no authors listed in PubMed", "year not recorded"]
    assert "None" not in page


def test_the_clinic_sets_header_footer_stylesheet_and_disclaimer(
    claims: list[ClaimSupport], tmp_path: Path
) -> None:
    (tmp_path / "clinic.css").write_text("header{background:#003b5c;color:#fff}", "utf-8")
    config_file = tmp_path / "site.toml"
    config_file.write_text(
        "header_html = '<p class=\"clinic\">Riverside Clinic</p>'\n"
        "footer_html = '<p>1 High Street</p>'\n"
        'stylesheet = "clinic.css"\n'
        'disclaimer = "Information only; ask your doctor."\n',
        "utf-8",
    )
    config = load_site_config(config_file)
    site = render_site(claims, GENERATED, config=config)
    for name in ("index.html", "claims/rapid-relief.html"):
        page = site[name]
        assert '<header><p class="clinic">Riverside Clinic</p></header>' in page
        assert "<p>1 High Street</p></footer>" in page and "header{background:#003b5c" in page
        assert "Information only; ask your doctor." in page and DEFAULT_DISCLAIMER not in page
        assert f'content="{CSP}"' in page
    yaml_file = tmp_path / "site.yaml"
    yaml_file.write_text("disclaimer: Just information.\n", "utf-8")
    assert load_site_config(yaml_file).disclaimer == "Just information."
    for text, message in (
        ("header_html = '<script>alert(1)</script>'", "allow no scripts"),
        ('footer_html = \'<a href="#" onclick="x()">x</a>\'', "allow no scripts"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ('stylesheet = "missing.css"', "stylesheet"),
        ("header_html = [", "not valid"),
    ):
        config_file.write_text(text, "utf-8")
        with pytest.raises(SiteConfigError, match=message):
            load_site_config(config_file)
    (tmp_path / "clinic.css").write_text("body{background:url(https://x.example/a.png)}", "utf-8")
    config_file.write_text('stylesheet = "clinic.css"', "utf-8")
    with pytest.raises(SiteConfigError, match="load nothing"):
        load_site_config(config_file)


def test_two_publishes_leave_two_dated_versions(site: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = write_site(site, out, now=datetime(2026, 11, 27, 3, 45, tzinfo=UTC))
    second = write_site(site, out, now=datetime(2026, 11, 28, 3, 45, tzinfo=UTC))
    versions = sorted(p.name for p in (tmp_path / "public.versions").iterdir() if p.is_dir())
    assert versions == ["20261127T034500Z", "20261128T034500Z"]
    assert out.resolve() == second.version.resolve() and second.previous == first.version
    assert (first.version / "index.html").read_text() == site["index.html"]


def test_the_claim_page_splits_the_support_by_drug_form(claims: list[ClaimSupport]) -> None:
    """Readers see which form of ketamine the judged evidence backs, not a pooled verdict only."""
    approved = next(c for c in claims if c.claim_id == "rapid-relief")
    split = dataclasses.replace(
        approved, support_by_form={"esketamine_nasal": "supported", "iv_racemic": "insufficient"}
    )
    files = render_site([split], GENERATED)
    page = files["claims/rapid-relief.html"]
    assert "By drug form" in page
    forms = json.loads(files["claims/rapid-relief.json"])["support_by_form"]
    assert [f["support"] for f in forms] == ["Supported by the evidence", "Insufficient evidence"]
    assert {f["form"] for f in forms} == {
        FORM_NAMES["esketamine_nasal"],
        FORM_NAMES["iv_racemic"],
    }
    assert all(escape(f["form"]) in page for f in forms)
