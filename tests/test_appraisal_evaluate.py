"""The scorer: honest halves, matching rules, kappa, and the command on real records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from labels.appraisal.evaluate import LABELS, main, read_labels, split_half
from labels.appraisal.metrics import cohen_kappa, prf
from labels.appraisal.scoring import match_effects, same_outcome, time_key

ROOT = Path(__file__).resolve().parents[1]
UNCLEAR = dict.fromkeys(
    ("randomisation", "concealment", "blinding_participants", "blinding_assessors",
     "active_placebo", "itt", "registration", "attrition"),
    "unclear",
)  # fmt: skip


def _effect(measure, estimate=None, arms=None, ci=None, p=None):
    return {"measure": measure, "outcome": None, "estimate": estimate, "arm_values": arms,
            "ci": ci, "p": p, "quote": "-"}  # fmt: skip


def test_the_bundled_set_splits_into_fixed_halves_and_holds_out_the_second_round():
    labels = read_labels(LABELS)
    assert len(labels) >= 175
    halves = split_half(labels)
    later = {p for p, rows in labels.items() if any(r["chunk"] >= "a007" for r in rows)}
    first = len(labels) - len(later)
    assert sum(h == "tune" for h in halves.values()) == (first + 1) // 2
    assert all(halves[p] == "report" for p in later)
    assert split_half(dict(reversed(list(labels.items())))) == halves


def test_kappa_and_prf_by_hand():
    # Observed 3/4; chance (2*1 + 2*3)/16 = 1/2; kappa = (0.75 - 0.5) / 0.5.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == 0.5
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    figures = prf(tp=3, fp=1, fn=2)
    assert (figures["precision"], figures["recall"]) == (0.75, 0.6)


def test_matching_rules():
    assert time_key("week 24") == time_key("24 weeks") == ("24", "week")
    assert time_key("24 h") == time_key("24 hours")
    assert same_outcome("change in MADRS total score", "MADRS total score")
    assert not same_outcome("postoperative pain score", "morphine consumption")
    pred = [_effect("hazard_ratio", 0.49), _effect("response_rate", arms=[43.0, 70.4])]
    gold = [_effect("response_rate", arms=[70.4, 43]), _effect("odds_ratio", 0.49)]
    assert match_effects(pred, gold, by_measure=True) == [(1, 0)]
    assert match_effects(pred, gold, by_measure=False) == [(0, 1), (1, 0)]


def _row(pmid, comparator, effects, primary=None, time=None):
    return {"pmid": pmid, "kind": "rct", "primary_outcome": primary, "time_point": time,
            "comparator": comparator, "effects": effects, "bias": dict(UNCLEAR), "spin": False,
            "unsure": [], "note": ""}  # fmt: skip


def test_command_scores_rules_against_labels_read_by_hand(tmp_path, capsys):
    rows = [
        # SUSTAIN-1 and KEYNOTE-189, labelled here from their abstracts.
        _row("31166571", ["placebo"], [
            _effect("hazard_ratio", 0.49, ci=[0.29, 0.84]),
            _effect("hazard_ratio", 0.30, ci=[0.16, 0.55]),
        ], primary="time to relapse"),
        _row("33894335", ["placebo"], [
            _effect("hazard_ratio", 0.56, ci=[0.46, 0.69]),
            _effect("hazard_ratio", 0.49, ci=[0.41, 0.59]),
            _effect("hazard_ratio", 0.50, ci=[0.41, 0.61]),
            _effect("response_rate", arms=[48.3, 19.9]),
        ], primary="OS and PFS"),
        # AD Up: the rules read the two stated differences that follow a name, not the per-arm
        # counts with percentages nor the differences after them.
        _row("34023009", ["placebo"], [
            _effect("response_rate", 38.1, ci=[30.8, 45.4], p="<0.0001"),
            _effect("response_rate", 50.6, ci=[43.8, 57.4], p="<0.0001"),
            _effect("response_rate", 28.5, ci=[22.1, 34.9], p="<0.0001"),
            _effect("response_rate", 47.6, ci=[41.1, 54.0], p="<0.0001"),
            _effect("response_rate", arms=[65, 77, 26]),
            _effect("response_rate", arms=[40, 59, 11]),
        ], primary="EASI-75 and vIGA-AD response", time="week 16"),
    ]  # fmt: skip
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out_json = tmp_path / "figures.json"
    assert main(["--labels", str(labels), "--half", "all", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "3 records (all)" in printed
    figures = json.loads(out_json.read_text())["prf"]
    effects = figures["effects (measure and value)"]
    assert (effects["tp"], effects["fp"], effects["fn"]) == (8, 0, 4)
    assert figures["primary outcome (designated)"]["tp"] == 3
    assert figures["time point"]["tp"] == 1
    comparators = figures["comparator kinds (all)"]
    assert (comparators["tp"], comparators["fp"]) == (3, 1)  # AD Up's three arms read as active


def test_bad_labels_give_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"pmid": "31166571"}\n')
    for args in (["--labels", str(bad)], ["--labels", str(tmp_path / "missing.jsonl")]):
        done = subprocess.run(
            [sys.executable, "-m", "labels.appraisal.evaluate", *args],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 2
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr
