"""Match the robots' answers to a labeller's, field by field, and count."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from labels.appraisal.metrics import agreement, prf
from labels.appraisal.types import BIAS_DOMAINS, COMPARATOR_KINDS

Row = Mapping[str, Any]

_STOP_WORDS = (
    "the a an of in on at to from for and or with by was were score scores total change changes "
    "baseline mean level levels rate rates patients participants proportion number"
)
_STOP = set(_STOP_WORDS.split())
_UNIT = {"h": "hour", "hr": "hour", "hrs": "hour", "wk": "week", "mo": "month", "yr": "year",
         "min": "minute"}  # fmt: skip
_UNITS = {"hour", "day", "week", "month", "year", "minute", *_UNIT}


def outcome_tokens(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 1}


def same_outcome(a: str, b: str) -> bool:
    """Two namings of an outcome match when half the shorter one's content words are shared."""
    ta, tb = outcome_tokens(a), outcome_tokens(b)
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return len(ta & tb) / min(len(ta), len(tb)) >= 0.5


def time_key(text: str | None) -> tuple[str, str] | None:
    """("24", "week") for both "week 24" and "24 weeks"; ("end", "") for "end of treatment"."""
    if not text:
        return None
    low = text.lower()
    if "end of" in low:
        return ("end", "")
    for number, unit in (
        *re.findall(r"(\d+(?:\.\d+)?)\s*-?\s*([a-z]+)", low),
        *((n, u) for u, n in re.findall(r"([a-z]+)\s+(\d+(?:\.\d+)?)", low)),
    ):
        unit = unit.rstrip("s") if unit not in ("hrs", "yrs") else unit[:-1]
        if unit in _UNITS:
            return (f"{float(number):g}", _UNIT.get(unit, unit))
    return (low.strip(), "")


def effect_key(effect: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two effects the same: the estimate, else the per-arm values as a multiset."""
    if effect.get("estimate") is not None:
        return ("estimate", round(float(effect["estimate"]), 2))
    values = effect.get("arm_values") or ()
    return (
        "arms",
        tuple(sorted(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)),
    )


def match_effects(
    pred: Sequence[Row], gold: Sequence[Row], *, by_measure: bool
) -> list[tuple[int, int]]:
    """Greedy one-to-one (pred, gold) index pairs with equal values (and measure)."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if j in used or effect_key(p) != effect_key(g):
                continue
            if by_measure and p["measure"] != g["measure"]:
                continue
            pairs.append((i, j))
            used.add(j)
            break
    return pairs


def _same_ci(p: Row, g: Row) -> bool:
    if p.get("ci") is None or g.get("ci") is None:
        return p.get("ci") is None and g.get("ci") is None
    return all(abs(float(x) - float(y)) < 0.005 for x, y in zip(p["ci"], g["ci"], strict=True))


def _p_key(p: str | None) -> str | None:
    if p is None:
        return None
    text = p.replace(" ", "").replace("≤", "<").replace("=", "")
    return re.sub(r"^([<>]?)\.", r"\g<1>0.", text)


class _Counts:
    def __init__(self) -> None:
        self.c: dict[str, list[int]] = {}

    def add(self, name: str, tp: int, fp: int, fn: int) -> None:
        row = self.c.setdefault(name, [0, 0, 0])
        row[0] += tp
        row[1] += fp
        row[2] += fn

    def figures(self) -> dict[str, Any]:
        return {name: prf(*row) for name, row in self.c.items()}


def _score_text_fields(counts: _Counts, pred: Row, gold: Row) -> None:
    p_out, g_out = pred["primary_outcome"], gold["primary_outcome"]
    hit = bool(p_out and g_out and same_outcome(p_out, g_out))
    counts.add(
        "primary outcome (designated)",
        int(hit),
        int(bool(p_out) and not hit),
        int(bool(g_out) and not hit),
    )
    p_time, g_time = time_key(pred["time_point"]), time_key(gold["time_point"])
    hit = p_time is not None and p_time == g_time
    counts.add(
        "time point",
        int(hit),
        int(p_time is not None and not hit),
        int(g_time is not None and not hit),
    )


def _score_comparators(counts: _Counts, pred: Row, gold: Row) -> None:
    p, g = set(pred["comparator"]), set(gold["comparator"])
    counts.add("comparator kinds (all)", len(p & g), len(p - g), len(g - p))
    for kind in COMPARATOR_KINDS:
        counts.add(
            f"comparator: {kind}", int(kind in p & g), int(kind in p - g), int(kind in g - p)
        )


def _score_effects(counts: _Counts, pred: Row, gold: Row, detail: dict[str, list[int]]) -> None:
    pe, ge = pred["effects"], gold["effects"]
    for name, by_measure in (
        ("effects (measure and value)", True),
        ("effects (value only)", False),
    ):
        pairs = match_effects(pe, ge, by_measure=by_measure)
        counts.add(name, len(pairs), len(pe) - len(pairs), len(ge) - len(pairs))
    for i, j in match_effects(pe, ge, by_measure=True):
        detail["ci"].append(int(_same_ci(pe[i], ge[j])))
        detail["p"].append(int(_p_key(pe[i].get("p")) == _p_key(ge[j].get("p"))))


def score(rows: Sequence[tuple[Row, Sequence[Row]]]) -> dict[str, Any]:
    """Figures for the robots' rows against the first labeller's row of each record."""
    counts = _Counts()
    detail: dict[str, list[int]] = {"ci": [], "p": []}
    bias: dict[str, tuple[list[str], list[str]]] = {
        d: ([], []) for d in (*BIAS_DOMAINS, "all domains")
    }
    spin: tuple[list[str], list[str]] = ([], [])
    for pred, golds in rows:
        gold = golds[0]
        _score_text_fields(counts, pred, gold)
        _score_comparators(counts, pred, gold)
        _score_effects(counts, pred, gold, detail)
        counts.add(
            "spin flag",
            int(pred["spin"] and gold["spin"]),
            int(pred["spin"] and not gold["spin"]),
            int(gold["spin"] and not pred["spin"]),
        )
        spin[0].append(str(pred["spin"]))
        spin[1].append(str(gold["spin"]))
        if gold.get("bias"):
            for d in BIAS_DOMAINS:
                for name in (d, "all domains"):
                    bias[name][0].append(pred["bias"][d])
                    bias[name][1].append(gold["bias"][d])
    figures: dict[str, Any] = {"prf": counts.figures()}
    figures["agreement"] = {name: agreement(*pair) for name, pair in bias.items()}
    figures["agreement"]["spin flag"] = agreement(*spin)
    figures["matched_effects"] = {
        k: {"accuracy": sum(v) / len(v) if v else None, "n": len(v)} for k, v in detail.items()
    }
    return figures
