"""The claim page's forest-style grouping (dashboards.forest) on real bundled records: the
effects the appraisal robots read from their abstracts are sorted into panels of one measure
kind (a mean difference on one named rating scale), a panel only when two or more studies
state its kind, and everything else is listed with the reason; nothing is computed."""

from __future__ import annotations

import pytest
from dashboard_fixtures import seed_articles

from core.claim import Evidence
from dashboards.forest import (
    Forest,
    forest_frame,
    group_effects,
    listed_frame,
    mean_difference_scale,
    study_effects,
)
from labels.appraisal.appraise import appraise

ESKETAMINE_TRD = "40601310"  # MADRS mean differences at day 28 and day 2, each with its CI
ASPIRE_ASIAN = "37771084"  # "The MADRS score improved ... (least squares mean difference: -3.8)"
RELAPSE = "31166571"  # two hazard ratios of relapse, the only hazard ratios here
SMD_REVIEWS = ("33915444", "34058716")  # meta-analyses stating SMDs (Hedges' g)
OR_STUDIES = ("16498158", "34023745")  # an RCT's and a meta-analysis's odds ratios
ARM_RATES = "34093015"  # response and remission percentages per arm, no between-arm estimate
ACUPRESSURE = "31129916"  # a review: SMDs, and MDs on "scale 0 - 3" and on the PSQI


def studies(*pmids: str) -> list:
    articles = {a.pmid: a for a in seed_articles()}
    return [
        study_effects(Evidence(p, articles[p].design, articles[p].finding), articles[p])
        for p in pmids
    ]


PMIDS = (ESKETAMINE_TRD, ASPIRE_ASIAN, RELAPSE, *SMD_REVIEWS, *OR_STUDIES, ARM_RATES, ACUPRESSURE)


@pytest.fixture(scope="module")
def forest() -> Forest:
    return group_effects(studies(*PMIDS))


def test_panels_hold_one_kind_each_in_order_with_their_null_lines(forest: Forest) -> None:
    assert [(g.title, g.null, g.log) for g in forest.groups] == [
        ("Standardised mean difference", 0.0, False),
        ("Mean difference on MADRS", 0.0, False),
        ("Odds ratio", 1.0, True),
    ]
    for group in forest.groups:
        assert len({r.effect.measure for r in group.rows}) == 1
        assert len({r.study.pmid for r in group.rows}) >= 2


def test_the_madrs_panel_shows_each_effect_as_stated_with_its_sentence(forest: Forest) -> None:
    madrs = forest_frame(forest.groups[1])
    day28, day2 = (e for e in appraise(_article(ESKETAMINE_TRD)).effects)
    aspire = appraise(_article(ASPIRE_ASIAN)).effects[0]
    assert madrs["estimate"].tolist() == [-3.8, -5.1, -3.8]
    assert madrs[["lo", "hi"]].isna().all(axis=1).tolist() == [True, False, False]
    # the first abstract states no CI, and none is derived; the others' as stated
    assert madrs[["lo", "hi"]].iloc[1:].values.tolist() == [[-7.91, -2.33], [-6.29, -1.22]]
    assert madrs["sentence"].tolist() == [aspire.sentence, day28.sentence, day2.sentence]
    assert madrs["row"].tolist() == [
        f"PMID {ASPIRE_ASIAN} · no author listed 2023 · RCT vs placebo, usual care",
        f"PMID {ESKETAMINE_TRD} · no author listed 2025 · RCT vs placebo · day 28",
        f"PMID {ESKETAMINE_TRD} · no author listed 2025 · RCT vs placebo · day 2",
    ]
    assert madrs["scale"].tolist() == [
        "MADRS, named in the sentence",
        "MADRS, the only rating scale the abstract names",
        "MADRS, the only rating scale the abstract names",
    ]
    assert madrs["stated"].tolist()[0] == "-3.8; no CI stated"


def test_the_other_panels_keep_every_study_and_effect(forest: Forest) -> None:
    smd, _, odds = forest.groups
    assert sorted({r.study.pmid for r in smd.rows}) == sorted([ACUPRESSURE, *SMD_REVIEWS])
    assert {r.study.pmid for r in odds.rows} == set(OR_STUDIES)
    for group in (smd, odds):
        stated = [e for p in {r.study.pmid for r in group.rows} for e in _effects(p)]
        assert len(group.rows) == sum(e.measure == group.key for e in stated)
    assert forest_frame(odds)["row"].is_unique  # three ORs of one RCT get rows of their own


def test_effects_not_comparable_are_listed_with_the_reason(forest: Forest) -> None:
    listed = listed_frame(forest.listed)
    by_pmid = listed.groupby(listed["Study"].str.split(" · ").str[0])["Not drawn because"]
    reasons = {pmid: set(r) for pmid, r in by_pmid}
    assert reasons[f"PMID {RELAPSE}"] == {"no other counted study states a hazard ratio"}
    assert reasons[f"PMID {ARM_RATES}"] == {
        "per-arm rates: drawing them would mean computing an effect"
    }
    assert (
        "no other counted study states a mean difference on PSQI" in reasons[f"PMID {ACUPRESSURE}"]
    )
    assert any("no known scale" in r for r in reasons[f"PMID {ACUPRESSURE}"])


def test_every_stated_effect_is_drawn_or_listed_once(forest: Forest) -> None:
    every = [(p, e) for p in PMIDS for e in _effects(p)]
    shown = [(r.study.pmid, r.effect) for g in forest.groups for r in g.rows]
    shown += [(r.study.pmid, r.effect) for r in forest.listed]
    assert sorted(shown, key=repr) == sorted(every, key=repr)
    assert forest.silent == ()


def test_one_study_alone_draws_nothing() -> None:
    alone = group_effects(studies(ESKETAMINE_TRD))
    assert alone.groups == ()
    assert [r.reason for r in alone.listed] == [
        "no other counted study states a mean difference on MADRS"
    ] * 2
    odds = group_effects(studies(OR_STUDIES[0]))
    assert {r.reason for r in odds.listed} == {"no other counted study states an odds ratio"}


def test_a_mean_difference_takes_a_scale_only_from_its_sentence_or_the_only_one_named() -> None:
    text = "Depression was rated on the MADRS and pain on a numeric rating scale."
    assert mean_difference_scale("The MD was -3.0 (95% CI -5 to -1).", "MADRS only.")[0] == "MADRS"
    assert mean_difference_scale("The MD was -3.0 (95% CI -5 to -1).", text)[0] is None
    assert mean_difference_scale("Systolic pressure rose (MD 8 mm Hg).", "MADRS only.")[0] is None
    assert mean_difference_scale("NIHSS fell (MD = -2.31).", "HAMD scores fell.")[0] is None


def _article(pmid: str):  # type: ignore[no-untyped-def]
    return next(a for a in seed_articles() if a.pmid == pmid)


def _effects(pmid: str) -> tuple:
    return appraise(_article(pmid)).effects
