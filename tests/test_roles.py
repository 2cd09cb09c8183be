"""Who may do what: the allow-lists of reviewers and medical directors (Settings), read from
the environment or the settings file beside the warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, SettingsError

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
