"""The dashboards' pure functions: citations, filters, corrections, shaping, configuration."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dashboard_fixtures import seed_articles

from claims.citations import format_ama
from core.article import CONDITIONS, OUTCOMES, Article
from dashboards.context import context_from
from dashboards.evidence import (
    cell_link,
    cumulative_strong,
    full_grid,
    map_table_html,
    model_metrics,
)
from dashboards.filters import Filters, search_params, search_terms
from dashboards.inert import escape_markdown, table_html
from dashboards.records import article_from_row, label_rows
from dashboards.serve import check_secrets, parse_args, streamlit_command
from labels.corrections import new_correction, parse_value
from warehouse.db import snapshot_path
from warehouse.inbox import corrections_path


def article(pmid: str) -> Article:
    return next(a for a in seed_articles() if a.pmid == pmid)


# --- AMA citations ---------------------------------------------------------------------------


def test_ama_citation_of_a_real_record() -> None:
    assert format_ama(article("34092024")) == (
        "Maudlin B, Gibson SB, Aggarwal A. Long Term Safety and Efficacy of Sub-Lingual "
        "Ketamine Troches / Lozenges in Chronic Non-Malignant Pain Management. Intern Med J. "
        "2021. doi:10.1111/imj.15404. PMID: 34092024"
    )


def test_ama_lists_six_authors_and_cuts_seven_to_three_et_al() -> None:
    seven = article("34092549")
    assert len(seven.authors) == 7
    assert format_ama(seven).startswith(", ".join(seven.authors[:3]) + ", et al. Combining")
    six = dataclasses.replace(seven, authors=seven.authors[:6])
    assert format_ama(six).startswith(", ".join(seven.authors[:6]) + ". Combining")


def test_ama_locator_and_missing_parts() -> None:
    base = Article(pmid="1", title="A trial?", journal_abbrev="J Test", year=2020)
    full = dataclasses.replace(base, volume="12", issue="3", pages="45-67", doi="10.1/x")
    none = "[No authors listed in PubMed]."
    assert format_ama(full) == f"{none} A trial? J Test. 2020;12(3):45-67. doi:10.1/x. PMID: 1"
    assert format_ama(base) == f"{none} A trial? J Test. 2020. PMID: 1"
    assert format_ama(Article(pmid="2")) == f"{none} [Year not recorded]. PMID: 2"


# --- filters ---------------------------------------------------------------------------------


def test_filters_round_trip_through_the_query_string() -> None:
    filters = Filters(
        2010,
        2020,
        ("ketamine", "esketamine"),
        ("iv",),
        "rct",
        "depression",
        "efficacy",
        "positive",
        "suicidal ideation",
    )
    assert Filters.from_query(filters.to_query()) == filters
    assert Filters().to_query() == {}


def test_filters_drop_what_is_not_in_the_taxonomy() -> None:
    query = {"drugs": "ketamine,not_studied,LSD", "min_design": "x'; drop", "year_from": "19"}
    assert Filters.from_query(query) == Filters(drugs=("ketamine",))
    assert Filters.from_query({"condition": ["anxiety", "ptsd"]}).condition == "ptsd"


def test_filter_parameters_for_sql() -> None:
    assert Filters(min_design="rct", routes=("iv", "oral")).map_params() == {
        "year_from": None,
        "year_to": None,
        "drugs": None,
        "routes": ["iv", "oral"],
        "max_rank": 2,
    }
    assert search_terms("  Ketamine  SUICIDAL ketamine ") == ["ketamine", "suicidal"]
    assert search_terms("   ") is None
    assert search_params("ketamine (IV) a.b c d e") == {
        "t1": "ketamine",
        "t2": r"\(iv\)",
        "t3": r"a\.b",
        "t4": "c",
    }
    assert search_params("") is None


def test_cell_links_keep_the_map_filters_and_name_the_cell() -> None:
    filters = Filters(year_from=2015, drugs=("esketamine",), finding="negative", text="x")
    assert cell_link(filters, "ptsd", "safety") == (
        "studies?year_from=2015&drugs=esketamine&condition=ptsd&outcome=safety"
    )


# --- corrections -----------------------------------------------------------------------------


def test_values_are_checked_against_the_taxonomy() -> None:
    assert parse_value("conditions", ["ptsd", "depression", "ptsd"]) == ["depression", "ptsd"]
    assert parse_value("design", "rct") == "rct"
    assert parse_value("sample_size", " 1,204 ") == 1204
    assert parse_value("sample_size", "") is None
    assert parse_value("key_finding", "  Ketamine  helped. ") == "Ketamine helped."
    for field, value in [
        ("conditions", ["psychosis"]),
        ("drug", "LSD"),
        ("sample_size", "-3"),
        ("sample_size", "many"),
        ("confidence", 1),
    ]:
        with pytest.raises(ValueError):
            parse_value(field, value)


def test_a_correction_records_who_when_why_and_both_values() -> None:
    now = datetime(2026, 11, 27, 9, 30)
    correction = new_correction(
        pmid="34092024",
        field="routes",
        value=["oral"],
        current=("sublingual",),
        reviewer=" Dr A ",
        reason=" lozenges  are swallowed ",
        now=now,
    )
    assert dataclasses.asdict(correction) == {
        "correction_id": correction.correction_id,
        "pmid": "34092024",
        "field": "routes",
        "old_value": '["sublingual"]',
        "new_value": '["oral"]',
        "reviewer": "Dr A",
        "reason": "lozenges are swallowed",
        "corrected_at": now,
    }
    assert correction.correction_id // 1000 == int(now.replace(tzinfo=UTC).timestamp() * 1e6)


def test_a_correction_needs_a_reviewer_and_a_reason() -> None:
    good = {
        "pmid": "1",
        "field": "design",
        "value": "rct",
        "current": "observational",
        "reviewer": "Dr A",
        "reason": "randomised",
    }
    for change, message in [
        ({"reviewer": " "}, "reviewer"),
        ({"reason": ""}, "reason"),
        ({"value": "anecdote"}, "design"),
    ]:
        with pytest.raises(ValueError, match=message):
            new_correction(**{**good, **change})


def test_correction_ids_are_unique_and_time_ordered() -> None:
    early = datetime(2026, 1, 1)
    ids = {
        new_correction(
            pmid="1",
            field="finding",
            value="mixed",
            current="positive",
            reviewer="A",
            reason="r",
            now=early,
        ).correction_id
        for _ in range(50)
    }
    later = new_correction(
        pmid="1",
        field="finding",
        value="mixed",
        current="positive",
        reviewer="A",
        reason="r",
        now=datetime(2026, 1, 1, 0, 0, 0, 1),
    )
    assert len(ids) > 40 and later.correction_id > max(ids) - 1000
    assert max(ids) < 2**63


# --- configuration ---------------------------------------------------------------------------


def test_context_from_arguments_and_environment(tmp_path: Path) -> None:
    db = tmp_path / "w" / "evidence.duckdb"
    ctx = context_from(
        ["--db", str(db)], {"EVIDENCE_REVIEWERS": "a@clinic.example, B@clinic.example"}
    )
    assert (ctx.db_path, ctx.settings.reviewers) == (db, ("a@clinic.example", "b@clinic.example"))
    assert not ctx.demo  # roles are configured: the demo identity is not offered
    assert ctx.snapshot == snapshot_path(db) == tmp_path / "w" / "evidence.snapshot.duckdb"
    assert ctx.corrections == corrections_path(db) == tmp_path / "w/evidence.corrections.duckdb"
    assert context_from([], {"EVIDENCE_DB": str(db)}).db_path == db


def test_serve_runs_streamlit_on_localhost_by_default(tmp_path: Path) -> None:
    args = parse_args(["--db", str(tmp_path / "e.duckdb")])
    assert (args.host, args.port) == ("127.0.0.1", 8501)
    command = streamlit_command(args.db, args.host, 9000)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("dashboards/app.py")
    joined = " ".join(command)
    assert "--server.address 127.0.0.1 --server.port 9000" in joined
    assert "--server.headless true" in joined and "--browser.gatherUsageStats false" in joined
    assert command[-3:] == ["--", "--db", str(tmp_path / "e.duckdb")]
    assert "--secrets.files" not in command


def test_serve_hands_a_secrets_file_to_streamlit(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    command = streamlit_command(tmp_path / "e.duckdb", "0.0.0.0", 9000, secrets)
    assert " ".join(command).count(f"--secrets.files {secrets} --") == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "No such file"),
        ("[auth\n", "is not valid TOML"),
        ('[roles]\nreviewers = ["a@b.example"]\n', "has no [auth] section"),
        ('[auth]\nredirect_uri = "http://127.0.0.1:1/oauth2callback"\n', "lacks cookie_secret"),
        (
            "[auth]\n"
            + "".join(f'{k} = "x"\n' for k in ("cookie_secret", "client_id", "client_secret"))
            + 'server_metadata_url = "x"\nredirect_uri = "http://127.0.0.1:1/callback"\n',
            "must end in /oauth2callback",
        ),
    ],
)
def test_a_secrets_file_that_cannot_configure_sign_in_is_named(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    secrets = tmp_path / "secrets.toml"
    if text is not None:
        secrets.write_text(text)
    found = check_secrets(secrets)
    assert found is not None and problem in found and str(secrets) in found


# --- shaping ---------------------------------------------------------------------------------


def test_full_grid_fills_every_cell_in_taxonomy_order() -> None:
    cells = pd.DataFrame(
        [
            {
                "condition": "ptsd",
                "outcome": "safety",
                "studies": 3,
                "meta_analyses": 1,
                "rcts": 1,
                "other_studies": 1,
                "positive": 2,
                "mixed": 0,
                "negative": 1,
                "participants": 120,
            }
        ]
    )
    grid = full_grid(cells)
    assert len(grid) == len(CONDITIONS) * len(OUTCOMES)
    assert list(grid["condition"].unique()) == list(CONDITIONS)
    ptsd = grid[(grid.condition == "ptsd") & (grid.outcome == "safety")].iloc[0]
    assert (ptsd.studies, ptsd.participants, grid["studies"].sum()) == (3, 120, 3)
    html = map_table_html(grid, Filters(drugs=("ketamine",)))
    assert html.count("<a href=") == 1
    assert "href='studies?drugs=ketamine&amp;condition=ptsd&amp;outcome=safety'" in html
    assert "MA 1 · RCT 1 · other 1" in html and "120 participants" in html
    assert full_grid(cells.iloc[0:0])["studies"].sum() == 0


def test_cumulative_count_of_rcts_and_meta_analyses() -> None:
    trends = pd.DataFrame(
        [
            ("depression", 2019, "rct", 2),
            ("depression", 2020, "review", 5),
            ("depression", 2021, "meta_analysis", 1),
            ("depression", 2021, "rct", 1),
            ("anxiety", 2020, "observational", 4),
        ],
        columns=["condition", "year", "design", "studies"],
    )
    got = cumulative_strong(trends)
    assert got.to_dict("records") == [
        {"condition": "anxiety", "year": 2020, "cumulative": 0},
        {"condition": "depression", "year": 2019, "cumulative": 2},
        {"condition": "depression", "year": 2020, "cumulative": 2},
        {"condition": "depression", "year": 2021, "cumulative": 4},
    ]


def test_model_metrics_from_a_training_report() -> None:
    report = {
        "kind": "cv",
        "fields": {
            "design": {"accuracy": 0.8, "macro_f1": 0.6, "per_class": {"rct": 0.9}},
            "drug": {},
        },
    }
    got = model_metrics(json.dumps(report))
    assert got.to_dict("records")[0] == {"field": "design", "accuracy": 0.8, "macro_f1": 0.6}
    assert model_metrics(None).empty and model_metrics('{"no": "fields"}').empty


def test_label_rows_show_confidence_or_the_reviewer() -> None:
    record = article("34092024")
    row = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    row.update(  # as DuckDB hands them over: arrays, struct dicts, timestamps
        authors=np.array(record.authors, dtype=object),
        abstract_sections=np.array([dataclasses.asdict(s) for s in record.abstract_sections]),
        confidence=np.array([{"field": f, "value": v} for f, v in record.confidence]),
        entry_date=pd.Timestamp(record.entry_date),
        revised_date=pd.NaT,
        sample_size=pd.NA,
    )
    rebuilt = article_from_row(row)
    assert rebuilt == dataclasses.replace(record, revised_date=None, sample_size=None)
    corrected = {
        "routes": {"reviewer": "Dr A", "corrected_at": datetime(2026, 11, 27), "is_pending": True}
    }
    rows = label_rows(rebuilt, corrected).set_index("Label")
    assert rows.loc["Design"].to_dict() == {
        "Value": "Observational",
        "Confidence": "1.00",
        "Source": "model seed-labels",
    }
    assert rows.loc["Routes"].to_dict() == {
        "Value": "Sublingual",
        "Confidence": "—",
        "Source": "corrected by Dr A on 2026-11-27 (pending merge)",
    }


def test_a_correction_that_keeps_the_value_is_shown_as_a_confirmation() -> None:
    record = article("34092024")
    confirmation = new_correction(
        pmid=record.pmid,
        field="design",
        value=record.design,
        current=record.design,
        reviewer="Dr B",
        reason="checked the methods section",
    )
    change = new_correction(
        pmid=record.pmid,
        field="drug",
        value="esketamine",
        current=record.drug,
        reviewer="Dr B",
        reason="S-ketamine throughout",
    )
    corrected = {c.field: c.row() | {"is_pending": False} for c in (confirmation, change)}
    rows = label_rows(record, corrected).set_index("Label")
    assert rows.loc["Design", "Source"].startswith("confirmed by Dr B on ")
    assert rows.loc["Drug", "Source"].startswith("corrected by Dr B on ")


# --- untrusted text ----------------------------------------------------------------------------


def test_escaping_makes_every_markup_character_literal_and_leaves_words_alone() -> None:
    assert escape_markdown("Ketamine in depression 2021") == "Ketamine in depression 2021"
    assert escape_markdown("![x](http://t/p.png)") == r"\!\[x\]\(http\:\/\/t\/p\.png\)"
    assert escape_markdown("<img src=x>") == r"\<img src\=x\>"
    assert escape_markdown("a_b *c* $x$ `d` \\") == r"a\_b \*c\* \$x\$ \`d\` \\"
    # Shortcodes (emoji, icons) match after the escapes are undone: a zero-width space breaks them.
    assert (
        escape_markdown("1:100: :material/home:") == "1\\:\u200b100\\: \\:\u200bmaterial\\/home\\:"
    )


def test_an_html_table_escapes_every_cell() -> None:
    frame = pd.DataFrame(
        {
            "Why": ['<img src="x"> **b**', None],
            "N": [1, 2],
            "When": [pd.Timestamp("2026-11-27 08:05:59"), pd.NaT],
        }
    )
    html = table_html(frame)
    assert "<img" not in html and "&lt;img src=&quot;x&quot;&gt; **b**" in html
    assert html.count("<tr>") == 3 and "<td style" in html
    assert ">2026-11-27 08:05</td>" in html and html.count(">—</td>") == 2
