"""Which of a claim's stated effects can stand on one forest-style axis: pure, no Streamlit.

The effects are the appraisal robots' readings of each counted study's abstract
(``labels.appraisal``), exactly as stated. Nothing here computes an effect, pools one or
derives an interval: effects are only sorted into panels of one measure kind (a mean
difference also on one named rating scale), and a panel is drawn only when at least two
studies state an effect of its kind. Everything else is listed with the reason it is not
drawn, so the reviewer sees every stated effect either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from core.article import Article
from core.claim import Evidence
from dashboards.records import stated_effect as stated
from dashboards.taxonomy import display
from labels.appraisal.appraise import appraise
from labels.appraisal.types import Effect

# Measure kinds drawn, in panel order: (title, null value, ratio measure: log axis).
KINDS = {
    "smd": ("Standardised mean difference", 0.0, False),
    "mean_difference": ("Mean difference", 0.0, False),
    "odds_ratio": ("Odds ratio", 1.0, True),
    "risk_ratio": ("Risk ratio", 1.0, True),
    "hazard_ratio": ("Hazard ratio", 1.0, True),
}
MIN_STUDIES = 2  # a panel compares studies: one study alone is listed, not drawn
# Rating scales a mean difference may be stated on: (name, its abbreviations as printed,
# its full name in any case). Each names one instrument; versions (HAM-D-17, -24) count as one.
SCALES = (
    ("MADRS", r"MADRS", r"montgomery[-\s–]+[åa]sberg"),
    ("HAM-D", r"HAM-?D(?:-?\d+)?|HDRS|HRSD", r"hamilton (?:rating scale for )?depression"),
    ("HAM-A", r"HAM-?A", r"hamilton (?:rating scale for )?anxiety"),
    ("BDI", r"BDI(?:-I+)?", r"beck depression inventory"),
    ("QIDS", r"QIDS(?:-SR\d*|-C\d*)?", r"quick inventory of depressive symptomatology"),
    ("PHQ-9", r"PHQ-?9", r"patient health questionnaire[-\s]?9"),
    ("BSS", r"BSS", r"beck scale for suicid"),
    ("C-SSRS", r"C-SSRS", r"columbia suicide severity"),
    ("CAPS", r"CAPS(?:-5)?", r"clinician-administered ptsd scale"),
    ("PCL", r"PCL(?:-5|-C|-M)?", r"ptsd check ?list"),
    ("GAD-7", r"GAD-?7", r"generalized anxiety disorder 7"),
    ("CADSS", r"CADSS", r"clinician-administered dissociative states"),
    ("BPRS", r"BPRS", r"brief psychiatric rating scale"),
    ("NRS", r"NP?RS", r"numer(?:ic|ical) (?:pain )?rating scale"),
    ("VAS", r"VAS", r"visual analog(?:ue)? scale"),
    ("BPI", r"BPI", r"brief pain inventory"),
    ("PSQI", r"PSQI", r"pittsburgh sleep quality"),
)
_SCALES = tuple(
    (name, re.compile(rf"\b(?:{abbreviation})\b|(?i:{full})"))
    for name, abbreviation, full in SCALES
)
# A sentence that names some other measure or a unit: its mean difference is on that, not on
# whatever scale the abstract names elsewhere.
_OTHER_MEASURE = re.compile(
    r"\b(?:scales?|scores?|index|inventory|questionnaire|subscales?)\b|mm ?Hg|\bkg\b|\bbpm\b|"
    r"beats|\bms\b|/[dm]?l\b|%(?!\s*(?:CI|CrI|confidence|credible))"
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9-]{2,}\b")
_NOT_MEASURES = {"SMD", "WMD", "LSM", "SEM", "IQR", "ITT", "MITT", "RCT", "RCTS", "NNT", "TRD"}
_WHEN = re.compile(  # "at day 28", "after 12 weeks": a time point, not an age or a duration
    r"(?i)\b(?:at|after|by|within|on|to|through|until)\s+(?P<when>(?:day|week|month|hour)\s+\d+|"
    r"\d+(?:\.\d+)?[\s-]*(?:hours?|days?|weeks?|months?|h)\b)"
)


@dataclass(frozen=True)
class StudyEffects:
    """One counted study, how the plot labels it, and the effects its abstract states."""

    pmid: str
    first_author: str | None
    year: int | None
    design: str
    comparator: str  # the comparator kinds the abstract names, in words
    effects: tuple[Effect, ...]
    text: str  # title and abstract: where a mean difference's scale may be named


@dataclass(frozen=True)
class EffectRow:
    """One stated effect of one study: drawn in the panel ``group``, or listed with ``reason``."""

    study: StudyEffects
    effect: Effect
    group: str | None = None
    scale: str | None = None  # a mean difference's rating scale, and where it was read
    reason: str | None = None


@dataclass(frozen=True)
class EffectGroup:
    """A panel: effects of one kind (and scale) from at least two studies, one axis."""

    key: str
    title: str
    null: float
    log: bool
    rows: tuple[EffectRow, ...]


@dataclass(frozen=True)
class Forest:
    groups: tuple[EffectGroup, ...]
    listed: tuple[EffectRow, ...]  # stated, but not comparable with another study's effect
    silent: tuple[str, ...]  # counted studies whose abstracts state no effect the robots read


def comparator_words(kinds: Sequence[str]) -> str:
    """The comparator kinds as the labels say them: "placebo", "active placebo, usual care"."""
    names = {"active": "active treatment", "none": "no comparator"}
    words = [names.get(k, display(k).lower()) for k in dict.fromkeys(kinds)]
    return ", ".join(words) or "comparator not named"


def study_effects(evidence: Evidence, article: Article) -> StudyEffects:
    """A counted study with what its abstract states, read by the appraisal robots."""
    appraisal = appraise(article)
    year = evidence.year or article.year
    return StudyEffects(
        pmid=evidence.pmid,
        first_author=article.authors[0] if article.authors else None,
        year=int(year) if year else None,  # records read from JSON may carry it as text
        design=evidence.design,
        comparator=comparator_words([c.kind for c in appraisal.comparators]),
        effects=appraisal.effects,
        text=f"{article.title or ''} {article.abstract or ''}",
    )


def scales_named(text: str) -> list[str]:
    """The rating scales a text names, in SCALES order."""
    return [name for name, pattern in _SCALES if pattern.search(text)]


def mean_difference_scale(sentence: str, text: str) -> tuple[str | None, str]:
    """The scale a mean difference is on, with where it was read, or None and why not.

    Its own sentence decides when it names one scale; a sentence naming no measure at all
    takes the one scale its abstract names, if the abstract names only one.
    """
    own = scales_named(sentence)
    if len(own) == 1:
        return own[0], f"{own[0]}, named in the sentence"
    if len(own) > 1:
        return None, f"its sentence names several scales ({', '.join(own)})"
    other = [a for a in _ACRONYM.findall(sentence) if a.upper() not in _NOT_MEASURES]
    if _OTHER_MEASURE.search(sentence) or other:
        return None, "its sentence names a measure that is not a rating scale known here"
    named = scales_named(text)
    if len(named) == 1:
        return named[0], f"{named[0]}, the only rating scale the abstract names"
    if named:
        return (
            None,
            f"its sentence names no scale and the abstract names several ({', '.join(named)})",
        )
    return None, "no rating scale is named for it"


def _placed(study: StudyEffects, effect: Effect) -> EffectRow:
    """Where an effect could go: a panel key, or the reason it cannot be drawn at all."""
    if effect.measure not in KINDS or effect.estimate is None:
        why = (
            "per-arm rates: drawing them would mean computing an effect"
            if effect.arm_values is not None
            else "a difference in rates, whose units the robots do not read"
        )
        return EffectRow(study, effect, reason=why)
    if effect.measure != "mean_difference":
        return EffectRow(study, effect, group=effect.measure)
    scale, where = mean_difference_scale(effect.sentence, study.text)
    if scale is None:
        return EffectRow(study, effect, reason=f"a mean difference on no known scale: {where}")
    return EffectRow(study, effect, group=f"mean_difference:{scale}", scale=where)


def _group(key: str, rows: Sequence[EffectRow]) -> EffectGroup:
    measure, _, scale = key.partition(":")
    title, null, log = KINDS[measure]
    values = [v for r in rows for v in (r.effect.estimate, *(r.effect.ci or ())) if v is not None]
    return EffectGroup(
        key=key,
        title=f"{title} on {scale}" if scale else title,
        null=null,
        log=log and all(v > 0 for v in values),  # an interval reaching 0 has no place on a log axis
        rows=tuple(rows),
    )


def _alone(row: EffectRow) -> EffectRow:
    """A row whose kind no other counted study states: listed, not drawn."""
    title = _group(row.group or "", [row]).title
    kind = f"{title[0].lower()}{title[1:]}"
    why = f"no other counted study states {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    return EffectRow(row.study, row.effect, scale=row.scale, reason=why)


def group_effects(studies: Sequence[StudyEffects]) -> Forest:
    """Sort every stated effect into a panel of its kind, or the list of those not drawn."""
    placed = [_placed(s, e) for s in studies for e in s.effects]
    by_key: dict[str, list[EffectRow]] = {}
    for row in placed:
        if row.group:
            by_key.setdefault(row.group, []).append(row)
    drawn = {k for k, rows in by_key.items() if len({r.study.pmid for r in rows}) >= MIN_STUDIES}
    order = list(KINDS)
    groups = [
        _group(k, by_key[k]) for k in sorted(drawn, key=lambda k: (order.index(k.split(":")[0]), k))
    ]
    listed = [
        row if row.reason else _alone(row)
        for row in placed
        if row.reason or (row.group and row.group not in drawn)
    ]
    silent = tuple(s.pmid for s in studies if not s.effects)
    return Forest(groups=tuple(groups), listed=tuple(listed), silent=silent)


def study_label(study: StudyEffects) -> str:
    """PMID, first author and year, design and comparator: how a row names its study."""
    who = study.first_author or "no author listed"
    year = study.year or "year unknown"
    return f"PMID {study.pmid} · {who} {year} · {display(study.design)} vs {study.comparator}"


def time_point(sentence: str) -> str | None:
    """The first time point its sentence states ("day 28"), to tell a study's rows apart."""
    m = _WHEN.search(sentence)
    return m.group("when") if m else None


def forest_frame(group: EffectGroup) -> pd.DataFrame:
    """One row per study and effect, in study order, each with a unique label for the axis."""
    rows, seen = [], set()
    for r in sorted(group.rows, key=lambda r: (r.study.year or 0, int(r.study.pmid))):
        label = study_label(r.study)
        if when := time_point(r.effect.sentence):
            label += f" · {when}"
        n = 2
        while label in seen:
            label, n = f"{label.rsplit(' #', 1)[0]} #{n}", n + 1
        seen.add(label)
        ci = r.effect.ci
        rows.append(
            {
                "row": label,
                "estimate": r.effect.estimate,
                "lo": ci[0] if ci else None,
                "hi": ci[1] if ci else None,
                "stated": stated(r.effect) + ("" if ci else "; no CI stated"),
                "scale": r.scale or "",
                "sentence": r.effect.sentence,
            }
        )
    return pd.DataFrame(
        rows, columns=["row", "estimate", "lo", "hi", "stated", "scale", "sentence"]
    )


def listed_frame(rows: Sequence[EffectRow]) -> pd.DataFrame:
    """The stated effects not drawn: study, what it states, why it is not drawn, its sentence."""
    return pd.DataFrame(
        [
            {
                "Study": study_label(r.study),
                "Measure": display(r.effect.measure),
                "Stated": stated(r.effect),
                "Not drawn because": r.reason or "",
                "Sentence": r.effect.sentence,
            }
            for r in rows
        ],
        columns=["Study", "Measure", "Stated", "Not drawn because", "Sentence"],
    )
