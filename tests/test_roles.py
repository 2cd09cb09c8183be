"""Who may do what: the allow-lists of reviewers and medical directors (Settings), read from
the environment or the settings file beside the warehouse, and the rules that give a dashboard
session its identity and roles (dashboards.auth.identify)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, SettingsError
from dashboards.auth import Session, identify
from dashboards.context import DEMO_EMAIL, Context, context_from, is_loopback

DIRECTOR = "medical.director@clinic.example"
REVIEWER = "reviewer@clinic.example"


def test_roles_from_the_environment_are_e_mails_in_lower_case(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "EVIDENCE_DB": str(tmp_path / "evidence.duckdb"),
            "EVIDENCE_REVIEWERS": f" Reviewer@Clinic.example, ,{REVIEWER}",
            "EVIDENCE_DIRECTORS": DIRECTOR,
        }
    )
    assert (settings.reviewers, settings.directors) == ((REVIEWER,), (DIRECTOR,))
    assert settings.roles_of("Medical.Director@clinic.EXAMPLE") == {"director"}
    assert settings.roles_of(REVIEWER) == {"reviewer"}
    assert settings.roles_of("someone@else.example") == frozenset()
    assert settings.roles_of(None) == frozenset()


def test_nobody_has_a_role_out_of_the_box(tmp_path: Path) -> None:
    settings = Settings.from_env({"EVIDENCE_DB": str(tmp_path / "evidence.duckdb")})
    assert (settings.reviewers, settings.directors) == ((), ())


def test_roles_from_the_settings_file_beside_the_warehouse(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        f'[roles]\nreviewers = ["{REVIEWER}"]\ndirectors = ["{DIRECTOR.upper()}"]\n'
    )
    db = str(tmp_path / "evidence.duckdb")
    settings = Settings.from_env({"EVIDENCE_DB": db})
    assert (settings.reviewers, settings.directors) == ((REVIEWER,), (DIRECTOR,))
    # A variable that is set replaces the file's list; the other list still comes from the file.
    settings = Settings.from_env({"EVIDENCE_DB": db, "EVIDENCE_DIRECTORS": "dr.b@clinic.example"})
    assert (settings.reviewers, settings.directors) == ((REVIEWER,), ("dr.b@clinic.example",))
    # The warehouse given as an override decides where the file is looked for.
    assert Settings.from_env({}, db_path=Path(db)).directors == (DIRECTOR,)


def test_a_settings_file_named_by_evidence_settings(tmp_path: Path) -> None:
    named = tmp_path / "elsewhere.toml"
    named.write_text(f'[roles]\ndirectors = ["{DIRECTOR}"]\n')
    settings = Settings.from_env({"EVIDENCE_SETTINGS": str(named)})
    assert (settings.reviewers, settings.directors) == ((), (DIRECTOR,))


@pytest.mark.parametrize(
    ("environ", "file_text", "message"),
    [
        ({"EVIDENCE_REVIEWERS": "Dr Ada Lovelace"}, None, "'Dr Ada Lovelace' is not an e-mail"),
        ({}, '[roles]\ndirector = ["a@b.example"]\n', "not director"),
        ({}, "[roles]\ndirectors = 'a@b.example'\n", "must be a list of e-mails"),
        ({}, "[roles\n", "is not valid TOML"),
        ({"EVIDENCE_SETTINGS": "{tmp}/missing.toml"}, None, "missing.toml: No such file"),
    ],
)
def test_unusable_role_settings_are_refused_with_one_clear_message(
    tmp_path: Path, environ: dict[str, str], file_text: str | None, message: str
) -> None:
    if file_text is not None:
        (tmp_path / "settings.toml").write_text(file_text)
    env = {k: v.format(tmp=tmp_path) for k, v in environ.items()}
    with pytest.raises(SettingsError, match=message) as failure:
        Settings.from_env({"EVIDENCE_DB": str(tmp_path / "evidence.duckdb"), **env})
    assert "\n" not in str(failure.value)


# --- who may write in a dashboard session: dashboards.auth.identify ---------------------------

LISTS = {"EVIDENCE_REVIEWERS": REVIEWER, "EVIDENCE_DIRECTORS": DIRECTOR}


def context(tmp_path: Path, environ: dict[str, str] | None = None, **how: object) -> Context:
    env = {"EVIDENCE_DB": str(tmp_path / "evidence.duckdb"), **(environ or {})}
    return context_from([], env, **how)  # type: ignore[arg-type]


def signed_in(email: str) -> Session:
    return Session(oidc="signed-in", oidc_email=email)


def test_a_signed_in_reviewer_corrects_and_a_director_also_approves(tmp_path: Path) -> None:
    ctx = context(tmp_path, LISTS, listen="0.0.0.0", sign_in=True)
    reviewer = identify(ctx, signed_in("Reviewer@Clinic.example"))
    assert (reviewer.source, reviewer.roles) == ("oidc", {"reviewer"})
    assert reviewer.can_correct and not reviewer.can_approve
    director = identify(ctx, signed_in(DIRECTOR))
    assert director.roles == {"director"} and director.can_correct and director.can_approve


def test_a_signed_out_visitor_and_an_unlisted_user_only_read(tmp_path: Path) -> None:
    ctx = context(tmp_path, LISTS, sign_in=True)
    visitor = identify(ctx, Session(oidc="signed-out"))
    assert visitor.needs_login and not visitor.can_correct and visitor.email is None
    outsider = identify(ctx, signed_in("someone@else.example"))
    assert not outsider.can_correct and "neither a reviewer nor a medical director" in (
        outsider.problem or ""
    )
    # A sign-in configuration wins over a header anyone could send.
    forged = Session(oidc="signed-out", headers={"X-Forwarded-Email": DIRECTOR})
    ctx = context(
        tmp_path, {**LISTS, "EVIDENCE_REVIEWER_HEADER": "X-Forwarded-Email"}, sign_in=True
    )
    assert not identify(ctx, forged).can_correct


def test_a_proxy_header_is_trusted_only_on_loopback(tmp_path: Path) -> None:
    env = {**LISTS, "EVIDENCE_REVIEWER_HEADER": "X-Forwarded-Email"}
    header = Session(headers={"x-forwarded-email": DIRECTOR})
    behind_proxy = identify(context(tmp_path, env, listen="127.0.0.1"), header)
    assert (behind_proxy.email, behind_proxy.source) == (DIRECTOR, "proxy")
    assert behind_proxy.can_approve
    for listen in ("0.0.0.0", None, "192.168.1.20", "clinic-host"):
        forged = identify(context(tmp_path, env, listen=listen), header)
        assert not forged.can_correct and forged.email is None
        assert "trusted only while the app listens on loopback" in (forged.problem or "")
    missing = identify(context(tmp_path, env), Session())
    assert not missing.can_correct and "no X-Forwarded-Email header" in (missing.problem or "")


def test_beyond_loopback_without_sign_in_every_write_is_refused(tmp_path: Path) -> None:
    for environ in ({}, LISTS):
        refused = identify(context(tmp_path, environ, listen="0.0.0.0"), Session())
        assert not refused.can_correct and not refused.can_approve
        assert (refused.problem or "").startswith("Writes are refused: this app listens on 0.0.0.0")


def test_the_demo_identity_is_local_only(tmp_path: Path) -> None:
    ctx = context(tmp_path, listen="127.0.0.1")
    demo = identify(ctx, Session())
    assert (demo.email, demo.source, demo.roles) == (DEMO_EMAIL, "demo", {"reviewer", "director"})
    assert demo.can_correct and demo.can_approve
    assert ctx.settings.roles_of(DEMO_EMAIL) == {"reviewer", "director"}  # for every check
    proxied = identify(ctx, Session(headers={"X-Forwarded-For": "203.0.113.9"}))
    assert not proxied.can_correct and "for this computer only" in (proxied.problem or "")
    # Not with roles configured, nor with a sign-in or a proxy header, nor beyond loopback.
    for environ, how in (
        (LISTS, {}),
        ({}, {"sign_in": True}),
        ({"EVIDENCE_REVIEWER_HEADER": "X-Forwarded-Email"}, {}),
        ({}, {"listen": "0.0.0.0"}),
        ({}, {"listen": "unix:///run/evidence.sock"}),
    ):
        ctx = context(tmp_path, environ, **how)
        assert not ctx.demo and DEMO_EMAIL not in ctx.settings.directors
        assert identify(ctx, Session()).source != "demo"


def test_roles_configured_without_any_sign_in_refuse_writes_on_loopback(tmp_path: Path) -> None:
    refused = identify(context(tmp_path, LISTS), Session())
    assert not refused.can_correct and "no sign-in" in (refused.problem or "")


def test_unusable_role_settings_refuse_writes_in_the_app(tmp_path: Path) -> None:
    ctx = context(tmp_path, {"EVIDENCE_DIRECTORS": "Dr Ada Lovelace"}, sign_in=True)
    identity = identify(ctx, signed_in(DIRECTOR))
    assert not identity.can_approve and "is not an e-mail address" in (identity.problem or "")


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("unix:///run/evidence.sock", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("evidence.clinic.example", False),
        (None, False),
        ("", False),
    ],
)
def test_which_bind_addresses_are_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback
