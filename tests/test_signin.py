"""Sign-in and roles end to end: `ketamine-evidence dashboard`'s server with `--secrets` on a
labelled warehouse, Streamlit's OIDC sign-in against a local OpenID Connect provider
(oidc-provider-mock on 127.0.0.1), driven in Debian's Chromium.

A signed-out visitor reads only; a reviewer corrects a label but is offered no claim decision;
a medical director approves a claim; someone signed in who is on neither list reads only. A
forged X-Forwarded-Email header is refused when the app listens beyond loopback (and the same
header is honoured on loopback, behind the proxy it is meant for).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_fixtures import (
    ROOT,
    Served,
    approve_claim,
    correct,
    free_port,
    loopback_context,
    rendered,
    serve_dashboard,
)
from dashboard_fixtures import copy_warehouse, shared_warehouse

from warehouse.inbox import read_inbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REVIEWER = "reviewer@clinic.example"
DIRECTOR = "Medical.Director@clinic.example"  # as the provider spells it; lists are lower case
DIRECTOR_SUB = "opaque-subject-4711"  # providers' subjects are rarely e-mails
OUTSIDER = "writer@clinic.example"
SUBLINGUAL = "34092024"
CLAIM = "chronic-pain"  # supported by seven RCTs in the seed labels
ROLES = {"EVIDENCE_REVIEWERS": REVIEWER, "EVIDENCE_DIRECTORS": DIRECTOR.lower()}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1, knowing the director by an opaque subject."""
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    mock = Path(sys.executable).with_name("oidc-provider-mock")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(mock), "--port", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/.well-known/openid-configuration", proc, log)
        claims = json.dumps({"email": DIRECTOR, "name": "Dana Director"}).encode()
        request = urllib.request.Request(f"{url}/users/{DIRECTOR_SUB}", claims, method="PUT")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError(f"the OIDC provider exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def write_secrets(path: Path, app_port: int, provider: str) -> Path:
    path.write_text(
        textwrap.dedent(
            f"""\
            [auth]
            redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
            cookie_secret = "test-only-cookie-secret-3f9a1c0e7b"
            client_id = "ketamine-evidence"
            client_secret = "the stand-in accepts any secret"
            server_metadata_url = "{provider}/.well-known/openid-configuration"
            """
        )
    )
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, provider: str) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("signin")
    db = copy_warehouse(shared_warehouse(tmp_path_factory), directory / "wh")
    port = free_port()
    secrets = write_secrets(directory / "secrets.toml", port, provider)
    with serve_dashboard(
        db, directory, port=port, environ=ROLES, args=("--secrets", str(secrets))
    ) as served:
        yield served


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    with loopback_context(browser, blocked) as context:
        yield context.new_page()
    assert all("cdn.jsdelivr.net" in url for url in blocked), blocked  # the stand-in's CSS


def sign_in(page, app: Served, subject: str) -> None:  # type: ignore[no-untyped-def]
    """The sidebar's Sign in, then the provider's form (one field: the subject)."""
    page.goto(app.url)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize?**")
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app.url)
    page.get_by_text("Signed in as ").first.wait_for()


def approve_button(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name="Approve", exact=True)


def events(db: Path) -> list[tuple[str, str, str]]:
    return [(e.claim_id, e.action, e.reviewer) for e in read_inbox(db).events]


def test_a_signed_out_visitor_reads_only(page, app: Served) -> None:  # type: ignore[no-untyped-def]
    before = read_inbox(app.db)
    page.goto(f"{app.url}study?pmid={SUBLINGUAL}")
    rendered(page, "Study rendered in")
    page.get_by_text("Reviewers and medical directors sign in to correct labels.").wait_for()
    assert page.get_by_role("button", name="Sign in to correct labels").is_visible()
    assert page.get_by_role("button", name="Save correction").count() == 0
    page.goto(f"{app.url}claims?claim={CLAIM}")
    rendered(page, "Claims rendered in")
    assert approve_button(page).count() == 0
    page.goto(app.url)
    rendered(page, "Evidence map rendered in")
    page.get_by_role("link", name=re.compile(r"^Chronic pain × Efficacy: \d+ studies$")).wait_for()
    assert read_inbox(app.db) == before


def test_a_reviewer_corrects_but_cannot_approve(page, app: Served) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, app, REVIEWER)  # the provider makes subject and e-mail the same
    page.get_by_text(f"Signed in as {REVIEWER} through sign-in: reviewer.").wait_for()
    page.goto(f"{app.url}study?pmid={SUBLINGUAL}")
    rendered(page, "Study rendered in")
    correct(page, "Design", "RCT", "The methods describe a randomised comparison.")
    page.get_by_text(f"Correction of Design saved by {REVIEWER}").wait_for()
    corrections = read_inbox(app.db).corrections
    assert [(c["reviewer"], c["field"]) for c in corrections][-1:] == [(REVIEWER, "design")]
    before = events(app.db)
    page.goto(f"{app.url}claims?claim={CLAIM}")
    rendered(page, "Claims rendered in")
    assert approve_button(page).count() == 0
    assert events(app.db) == before


def test_a_director_approves(page, app: Served) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, app, DIRECTOR_SUB)  # the e-mail comes from the provider's claim
    page.get_by_text(f"Signed in as {DIRECTOR} through sign-in: medical director.").wait_for()
    page.goto(f"{app.url}claims?claim={CLAIM}")
    rendered(page, "Claims rendered in")
    approve_claim(page, "Seven RCTs, most of them positive.")
    page.get_by_text(f"Claim {CLAIM} approved by {DIRECTOR}").wait_for()
    assert events(app.db)[-1] == (CLAIM, "approve", DIRECTOR.lower())  # kept in lower case
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session?**")  # the provider confirms the sign-out
    page.goto(app.url)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").wait_for()


def test_someone_on_neither_list_reads_only(page, app: Served) -> None:  # type: ignore[no-untyped-def]
    before = read_inbox(app.db)
    sign_in(page, app, OUTSIDER)
    page.goto(f"{app.url}study?pmid={SUBLINGUAL}")
    rendered(page, "Study rendered in")
    page.get_by_text("who is neither a reviewer nor a medical director").first.wait_for()
    assert page.get_by_role("button", name="Save correction").count() == 0
    page.goto(f"{app.url}claims?claim={CLAIM}")
    rendered(page, "Claims rendered in")
    assert approve_button(page).count() == 0
    assert read_inbox(app.db) == before


# --- a sign-in proxy's header -------------------------------------------------------------

PROXY = {"EVIDENCE_REVIEWER_HEADER": "X-Forwarded-Email", **ROLES}


@pytest.fixture(scope="module", params=["0.0.0.0", "127.0.0.1"])
def proxied(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    """The app configured to trust X-Forwarded-Email, bound beyond loopback or on it."""
    directory = tmp_path_factory.mktemp("proxy")
    db = copy_warehouse(shared_warehouse(tmp_path_factory), directory / "wh")
    with serve_dashboard(db, directory, host=request.param, environ=PROXY) as served:
        yield served


def test_a_forged_proxy_header_is_refused_beyond_loopback(browser, proxied: Served) -> None:  # type: ignore[no-untyped-def]
    """Connect through 127.0.0.1 to an app bound to 0.0.0.0, sending the director's e-mail
    in the header a proxy would set: every page says writes are refused, nothing is saved.
    The same request to an app bound to 127.0.0.1 (behind the proxy) is the director."""
    open_bind = proxied.host == "0.0.0.0"
    before = read_inbox(proxied.db)
    headers = {"X-Forwarded-Email": DIRECTOR}
    with loopback_context(browser, [], extra_http_headers=headers) as context:
        page = context.new_page()
        for path, caption in (
            ("", "Evidence map rendered in"),
            (f"study?pmid={SUBLINGUAL}", "Study rendered in"),
            (f"claims?claim={CLAIM}", "Claims rendered in"),
        ):
            page.goto(proxied.url + path)
            rendered(page, caption)
            refused = page.get_by_text("Writes are refused").first
            if open_bind:
                refused.wait_for()
                assert "trusted only while the app listens on loopback" in refused.inner_text()
                assert page.get_by_role("button", name="Save correction").count() == 0
                assert approve_button(page).count() == 0
            else:
                assert refused.count() == 0
        if not open_bind:
            expected = f"Signed in as {DIRECTOR} through the clinic's sign-in proxy"
            page.get_by_text(expected).wait_for()
            assert approve_button(page).is_visible()
    assert read_inbox(proxied.db) == before


@pytest.mark.parametrize(
    "how",
    [
        ["-m", "pipelines", "dashboard", "--secrets", "{secrets}"],  # ketamine-evidence dashboard
        ["-m", "dashboards.serve"],  # EVIDENCE_AUTH_SECRETS names the file
    ],
)
def test_serve_refuses_an_unusable_secrets_file(tmp_path: Path, how: list[str]) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\n')
    done = subprocess.run(
        [sys.executable, *(a.format(secrets=secrets) for a in how)],
        cwd=ROOT,
        env={"EVIDENCE_AUTH_SECRETS": str(secrets), "EVIDENCE_DB": str(tmp_path / "e.duckdb")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"ketamine-evidence dashboard: --secrets {secrets}: [auth] lacks cookie_secret, "
        "client_id, client_secret, server_metadata_url"
    ]
