"""The model card, as Markdown, from a training report: what the model learnt from, how it
scores on records it never saw, how far its confidences can be trusted, where it is weak.

``docs/model-card.md``, the README's headline table and the Pipeline page all come from here,
so they always show the same figures as ``models/training-report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FIELDS = ("conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size")
KNOWN_WEAKNESSES = (
    "The labelled corpus holds few ketamine studies (66 ketamine, 7 esketamine, 1 arketamine "
    "records): drug and routes are rules, and their figures on the frozen split rest on 14 "
    "ketamine records.",
    "finding is weakest on `negative` and `mixed` (few examples: 437 and 308 of 7,059), and "
    "its class weights buy their recall with precision: out of fold only 29% of `negative` "
    "calls and 36% of `mixed` ones are right, most of the rest being positive results. A "
    "negative or mixed label says 'read this study', not 'this study failed': read those "
    "answers, and every answer flagged for review, before relying on them.",
    "outcomes: `durability` is rare in the corpus and often missed; `suicidality` (7 labelled "
    "records) is a rule, read from the title or objective of a study that reports an effect, "
    "so a study that measures suicidal ideation without naming it there is missed.",
    "conditions are least precise on `anxiety`, which studies often name as a secondary "
    "measure or mediator rather than their target; the per-label thresholds (chosen on "
    "out-of-fold predictions) move from one training run to the next.",
    "sample_size is a rule, not a model: it misses most where the abstract spreads cohorts "
    "over several sentences without naming them as separate studies, where a secondary "
    "analysis names both its parent trial and its own subset, and in surveys that give both "
    "the number invited and the number who answered (the labels themselves differ on these). "
    "It is also hostage to design: a study predicted `review`, `meta_analysis` or "
    "`preclinical` gets none. On the frozen split it reads 228 of the 264 stated sizes with "
    "the labelled designs and 222 with the predicted ones.",
    "finding's class weights are chosen on out-of-fold predictions, and near-equal choices "
    "trade the `negative` weight against the `mixed` one: a small change in the data moves "
    "them (bootstrap SD about 0.4), and with them the direction of a few studies near the "
    "boundary (model 2026.12-3663e7aede turned three positive ketamine studies negative).",
    "design: analyses of a trial's data that do not use its randomised comparison (baseline "
    "cross-sections, predictors) are often called `rct`; the guide calls them `observational`. "
    "`nonrandomized_trial` is the weakest design (none of the 14 on the frozen split found, "
    "F1 0.585 in cross-validation): a single-arm or open-label trial whose title does not say "
    "so is mostly called `observational`, `other` or `rct`.",
    "Labels were made by AI labelling agents against the labelling guide (docs/"
    "labelling-guide.md); 400 were labelled twice (agreement 0.92-1.00 per field) and 60 "
    "adjudicated, and 22 sample sizes that counted specimens or procedures were re-read. The "
    "model cannot be better than that agreement.",
    "Records without MeSH or publication types (new records, for days) score a little lower: "
    "see the 'no index' column.",
)


def headline_table(report: Mapping[str, Any]) -> str:
    """One row per goal: frozen split with and without indexing, cross-validation, goal, met."""
    frozen = report.get("frozen_split", {})
    cv = report.get("cross_validation", {}).get("with_indexing", {}).get("goals", {})
    if not frozen:
        return "_This model version was trained without a frozen-split report._\n"
    goals = frozen["with_indexing"]["goals"]
    bare = frozen["without_indexing"]["goals"]
    rows = ["| goal | metric | frozen split | no indexing | 5-fold CV | goal | met |"]
    rows.append("|---|---|---:|---:|---:|---:|---|")
    for key, g in goals.items():
        cv_value = f"{cv[key]['value']:.3f}" if key in cv else "—"
        rows.append(
            f"| {key} | {g['metric']} | {g['value']:.3f} | {bare[key]['value']:.3f} | "
            f"{cv_value} | {g['goal']:.2f} | {'yes' if g['met'] else '**no**'} |"
        )
    return "\n".join(rows) + "\n"


def model_card(report: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> str:
    """The whole card as Markdown."""
    parts = [
        f"# Model card: {report.get('model_version')}\n",
        "Scikit-learn classifiers (class-balanced logistic regression over TF-IDF of the title, "
        "abstract and conclusion sentence, plus cue features) for conditions, outcomes, "
        "finding and design; finding is a gate (does the study report an intervention's "
        "effect?) times a direction model (positive, negative or mixed) that also reads how the "
        'conclusion and abstract word the result ("did not differ", "no significant", '
        '"failed to", "non-inferior", hedges), with class weights chosen by '
        "cross-validation to favour negative and mixed results; a second logistic regression, "
        "fitted on out-of-fold probabilities, reads finding again from the first-level "
        "finding and outcome probabilities (a study the outcome models are sure measures "
        "efficacy or harms reports a result); the conclusion's words "
        "overrule a positive or negative call they plainly contradict (a harm looked for and "
        "not found is positive, no benefit over control negative, inconclusive evidence mixed; "
        "the confidence is then the model's in the stated value, so such labels need review); "
        "PubMed's Case Reports type and "
        "stated designs are read by rule before the design classifier, and an RCT needs "
        "randomisation or a blind, placebo or sham arm in the text (other designs need their "
        "own words too unless the classifier is at least 0.8 sure); rules for drug, routes, "
        "sample size, the key finding and the suicidality outcome, and outcome rules from the "
        "guide (a protocol or commentary has none; a study with no result on an intervention "
        "has no durability; an unsure safety needs a harm named in the abstract). Each "
        "field's confidence is calibrated, and a field whose confidence is under its review "
        "threshold is listed in `needs_review`.\n",
        _version_line(report),
        "## Training data\n",
        _data_table(report.get("data", {})),
        "## Frozen test split and cross-validation\n",
        "The frozen split (`data/labels/test-split.txt`) was never trained or tuned on; every "
        "threshold and hyperparameter came from cross-validation on the training part. 'No "
        "indexing' scores the same records with MeSH and publication types removed.\n",
        headline_table(report),
    ]
    if previous and previous.get("frozen_split"):
        parts += ["## Against the model before\n", _movement(report, previous)]
    frozen = report.get("frozen_split", {}).get("with_indexing")
    if frozen:
        parts += ["## Frozen split per value\n", _per_value(frozen)]
        parts += ["## Calibration and review (frozen split)\n", _calibration(report, frozen)]
    parts += ["## Known weaknesses\n", "\n".join(f"- {w}" for w in KNOWN_WEAKNESSES) + "\n"]
    return "\n".join(parts)


def _version_line(report: Mapping[str, Any]) -> str:
    digest = report.get("code_digest")
    code = f" and the labelling code (digest `{digest}`)" if digest else ""
    return (
        f"The version hashes the training data, the configuration{code}: a changed rule is a "
        "new version, and `train` relabels every stored record another version labelled.\n"
    )


def _data_table(data: Mapping[str, Any]) -> str:
    rows = ["| source | records |", "|---|---:|"]
    for source, n in data.get("labelled_by_source", {}).items():
        rows.append(f"| {source} (labelled corpus) | {n:,} |")
    rows.append(f"| correction (reviewers, records) | {data.get('corrected_records', 0):,} |")
    rows.append(f"| distant: PubMed indexing | {data.get('distant_indexing', 0):,} |")
    rows.append(
        f"| distant: PubMedQA answers (finding only) | {data.get('distant_pubmedqa', 0):,} |"
    )
    rows.append(f"| frozen test split (not trained on) | {data.get('frozen_test', 0):,} |")
    return "\n".join(rows) + "\n"


def _movement(report: Mapping[str, Any], previous: Mapping[str, Any]) -> str:
    now = report["frozen_split"]["with_indexing"]["goals"]
    before = previous["frozen_split"]["with_indexing"]["goals"]
    rows = [f"| goal | {previous.get('model_version')} | {report.get('model_version')} | change |"]
    rows.append("|---|---:|---:|---:|")
    for key, g in now.items():
        if key in before:
            old = before[key]["value"]
            rows.append(f"| {key} | {old:.3f} | {g['value']:.3f} | {g['value'] - old:+.3f} |")
    return "\n".join(rows) + "\n"


def _per_value(fields: Mapping[str, Any]) -> str:
    rows = [
        "| field | value | precision | recall | F1 | support |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in FIELDS[:-1]:
        per = fields[name].get("per_label") or fields[name].get("per_class") or {}
        for value, m in per.items():
            rows.append(
                f"| {name} | {value} | {m['precision']:.3f} | {m['recall']:.3f} | "
                f"{m['f1']:.3f} | {m['support']} |"
            )
    ss = fields["sample_size"]
    rows.append(
        f"| sample_size | exact where stated | | | {ss['exact_where_stated']:.3f} | "
        f"{ss['n_stated']} |"
    )
    return "\n".join(rows) + "\n"


def _calibration(report: Mapping[str, Any], fields: Mapping[str, Any]) -> str:
    thresholds = report.get("thresholds", {}).get("needs_review", {})
    rows = [
        "| field | Brier | review below | flagged | accuracy flagged | accuracy not flagged |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in FIELDS:
        review = fields[name]["review"]
        rows.append(
            f"| {name} | {fields[name]['calibration']['brier']:.3f} | "
            f"{thresholds.get(name, 0.0):.2f} | {review['share_flagged']:.1%} | "
            f"{_num(review['accuracy_flagged'])} | {_num(review['accuracy_not_flagged'])} |"
        )
    bins = _bins(fields["finding"]["calibration"]["reliability"])
    return (
        "\n".join(rows)
        + "\n\nReliability of `finding` (confidence bin: accuracy, count): "
        + bins
        + "\n"
    )


def _bins(table: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(
        f"{b['bin'][0]:.1f}-{b['bin'][1]:.1f}: {b['accuracy']:.2f} ({b['count']})" for b in table
    )


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


SHIPPED_REPORT = Path(__file__).resolve().parent.parent / "models" / "training-report.json"


def shipped_report(path: Path = SHIPPED_REPORT) -> dict[str, Any]:
    """The shipped models' training report (``models/training-report.json``), or {}."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
