"""Robot: the effects an abstract states, exactly as stated (never computed).

A between-arm or pooled estimate (HR, OR, RR, MD, SMD) is read as the first number after its
name, with the confidence interval and p value that follow it before the next estimate starts.
Per-arm response and remission rates are the percentages of a sentence about responders, minus
thresholds ("at least 50% improvement") and interval levels ("95% CI"). Counts are never turned
into percentages, and differences are never worked out from two means.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from labels.appraisal.document import Doc
from labels.appraisal.types import Effect

_NUM = r"-?\s?\d+(?:\.\d+)?"
_TOKENS = (
    ("hazard_ratio", r"(?i:\bhazard ratios?\b)|\bHRs?\b"),
    ("odds_ratio", r"(?i:\bodds ratios?\b)|\b(?:a|adj)?ORs?\b"),
    ("risk_ratio", r"(?i:\b(?:relative risks?|risk ratios?|rate ratios?)\b)|\b(?:RRs?|IRR)\b"),
    (
        "smd",
        r"(?i:\bstandardi[sz]ed mean differences?\b|\bhedge'?s'?\s*g\b|\bcohen'?s\s*d\b|"
        r"\beffect sizes?\b(?=\s*(?:\(?[dg]\)?\s*)?(?:=|of|was|:)))|\bSMDs?\b|"
        r"(?<![\w.])[dg](?=\s*=\s*-?\s?\d)",
    ),
    (
        "mean_difference",
        r"(?i:\b(?:weighted |adjusted |least[- ]squares? |placebo[- ]adjusted |estimated )?"
        r"mean differences?\b|\btreatment differences?\b|\bdifferences?\b)|\b(?:W|LS)?MDs?\b",
    ),
)
_TOKEN = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS))
# Abbreviations that mean something else in the same abstract ("heart rate (HR)").
_CLASHES = {
    "hazard_ratio": re.compile(r"(?i)heart rate\s*\(HR\)|\bHR\s*(?:of\s*)?\d{2,3}\s*(?:bpm|beats)"),
    "risk_ratio": re.compile(r"(?i)respiratory rate\s*\(RR\)"),
    "odds_ratio": re.compile(r"(?i)operating (?:room|theatre)\s*\(OR\)"),
}
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(?P<v>-\s?\d+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.]*\w)")
_LEVEL = re.compile(r"\s*%\s*(?:CI|CrI|UI|confidence|credible|uncertainty)", re.I)
_CI = re.compile(
    r"(?:\d{2}(?:\.\d)?\s?%\s?)?(?:CI|CrI|UI|confidence interval|credible interval)s?\)?"
    r"(?:\s*[\[(](?:CI|CrI)[\])])?\s*[:,=]?\s*[\[(]?\s*"
    rf"(?P<lo>{_NUM})\s*%?\s*(?:to|-|,|;|∼|~|and)\s*(?P<hi>{_NUM})",
    re.I,
)
_BRACKET_CI = re.compile(
    rf"^\s*%?\s*[\[(]\s*(?P<lo>{_NUM})\s*(?:to|,|;|-)\s*(?P<hi>{_NUM})\s*[\]);]"
)
_P = re.compile(
    r"\b[Pp](?:\s*[- ]?\s*values?)?\s*(?:for\s+[\w-]+\s*)?(?P<op>[=<>≤≥]|less than|of)\s*"
    r"(?P<v>0?\.\d+|1(?:\.0+)?|0)(?:\s?[x×]\s?10\s?\^?\s?(?P<exp>-\s?\d+))?"
)
_RESPONSE = re.compile(r"(?i)\brespon(?:se|der|ded|ding)s?\b")
_REMISSION = re.compile(r"(?i)\bremi(?:ssion|tted|t|tters?)s?\b")
_PERCENT = re.compile(r"(?<![\w.])(?P<v>\d+(?:\.\d+)?)\s?%")
# Sentences whose percentages are relapses, harms or differences, not per-arm response rates.
_NOT_RATES = re.compile(
    r"(?i)\b(?:relapse\w*|recurren\w*|adverse|side[- ]effects?|discontinu\w*|dropped|"
    r"mortality|died|deaths?|differences?)\b"
)
_DEMOGRAPHIC = re.compile(r"(?i)^\W{0,3}(?:of\s+)?(?:female|male|women|men|white|black)\b")
_THRESHOLD_BEFORE = re.compile(r"(?i)(?:≥|>|<|≤|at least|more than|less than|of|over)\s*$")
_THRESHOLD_AFTER = re.compile(
    r"(?i)^\s*(?:or (?:more|greater)\s+)?(?:improvement|reduction|decrease|decline|drop|"
    r"fall|change|increase|of (?:body|total)|threshold|cut-?off|CI|confidence|credible)"
)


_COUNT_BEFORE = re.compile(r"(?i)\b(?:n|k|I2|I\^2|trials?|studies|tau2)\s*[=:]?\s*$")
_COUNT_AFTER = re.compile(
    r"(?i)^\s*(?:studies|trials|RCTs|participants|patients|subjects|cohorts|comparisons|arms|"
    r"years?|weeks?|months?|days?|hours?|h|hr|d|min|minutes?|mg|kg|ml|%\s*(?:of|were))\b|^-[A-Za-z]"
)


def _clean_number(text: str) -> float:
    return float(text.replace(" ", ""))


def _estimate(window: str, measure: str) -> tuple[float, int, int] | None:
    """The estimate after a measure's name: the first number that is not a CI level or a count."""
    for m in _NUMBER.finditer(window):
        if m.start() > 80:
            return None
        before, after = window[: m.start()], window[m.end() :]
        if _LEVEL.match(after) or _COUNT_AFTER.match(after) or _COUNT_BEFORE.search(before):
            continue
        if re.search(r"[Pp]\s*[=<>]\s*$", before) or re.search(r",\s+[A-Z][a-z]", before):
            return None
        value = _clean_number(m.group("v"))
        if measure.endswith("_ratio") and (value <= 0 or after.lstrip().startswith("%")):
            continue
        if measure == "mean_difference" and not re.search(
            r"(?i)(?:^|of|was|were|=|:|,|\(|\[|is|by)\s*$", before
        ):
            continue
        return value, m.start(), m.end()
    return None


def _ci(rest: str, estimate: float) -> tuple[float, float] | None:
    m = _BRACKET_CI.match(rest) or _CI.search(rest[:90])
    if not m:
        return None
    lo, hi = _clean_number(m.group("lo")), _clean_number(m.group("hi"))
    if lo > hi or not lo <= estimate <= hi:
        # "0.29-0.84" read as 0.29 and -0.84: the dash was a separator.
        if m.group("hi").startswith("-") and lo <= estimate <= -hi:
            return lo, -hi
        return None
    return lo, hi


def find_p(text: str) -> str | None:
    """The first p value in ``text`` as written, with a leading zero ("<0.001", "0.03")."""
    m = _P.search(text)
    if not m:
        return None
    value = m.group("v")
    value = f"0{value}" if value.startswith(".") else value
    if m.group("exp"):
        value = f"{value}e{m.group('exp').replace(' ', '')}"
    op = {"less than": "<", "=": "", "of": ""}.get(m.group("op"), m.group("op"))
    return f"{op}{value}"


# Margins and power calculations state effects the trial planned for, not ones it found.
_PLANNED = re.compile(
    r"(?i)\b(?:non-?inferiority (?:limit|margin)|margin of|powered to|power to detect|"
    r"to detect a)\b"
)
_CI_NEXT = re.compile(r"\s*(?:\d{2}\s?%\s?)?(?:CI|CrI|confidence)", re.I)


def _segment(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): up to the enclosing bracket or a ";" at the same depth."""
    depth, i = 0, start - 1
    while i >= 0:
        c = sentence[i]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth == 0:
                break
            depth -= 1
        elif c == ";" and depth == 0:
            break
        i -= 1
    depth, j = 0, end
    while j < len(sentence):
        c = sentence[j]
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                break
            depth -= 1
        elif c == ";" and depth == 0 and not _CI_NEXT.match(sentence, j + 1):
            break
        j += 1
    return i + 1, j


def _p_near(sentence: str, token_start: int, estimate_end: int) -> str | None:
    """The p value of an estimate: after it in its clause, else just before its name."""
    lo, hi = _segment(sentence, token_start, estimate_end)
    return find_p(sentence[estimate_end:hi]) or find_p(sentence[lo:token_start])


def _tokens(doc: Doc, text: str) -> list[tuple[str, int, int]]:
    """Measure names as (measure, start, end); "hazard ratio (HR)" counts once, as one span."""
    found: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        measure, start = m.lastgroup or "", m.start()
        clash = _CLASHES.get(measure)
        if clash and m.group(0).isupper() and clash.search(doc.text):
            continue
        if found and start - found[-1][2] <= 12 and not _NUMBER.search(text[found[-1][2] : start]):
            previous, start, _ = found.pop()
            measure = previous if previous != "mean_difference" else measure
        found.append((measure, start, m.end()))
    return found


def _estimates(doc: Doc, sentence: str) -> Iterator[Effect]:
    tokens = _tokens(doc, sentence)
    for i, (measure, start, end) in enumerate(tokens):
        stop = tokens[i + 1][1] if i + 1 < len(tokens) else len(sentence)
        window = sentence[end : max(stop, end + 30)]
        found = _estimate(window, measure)
        if found is None:
            continue
        value, at_start, at = found
        head = sentence[max(0, start - 60) : start]
        if re.search(r"(?i)(?:CI|confidence interval)\s+(?:for|of)\s+(?:the\s+)?$", head):
            continue  # "95% CI for the mean difference -0.34 to -0.05": an interval, no estimate
        if measure == "mean_difference" and re.search(
            r"(?i)\b(?:no|not|without)\b[^,;]{0,20}$", head
        ):
            continue
        about = head + window[:at]
        if measure == "mean_difference" and (_RESPONSE.search(about) or _REMISSION.search(about)):
            measure = "remission_rate" if _REMISSION.search(about) else "response_rate"
        ci = _ci(window[at:], value)
        generic = sentence[start:end].lower().startswith("difference")
        if (
            generic
            and ci is None
            and not re.search(r"(?i)(?:of|was|were|=|:|is|by)\s*$", window[:at_start])
        ):
            continue
        yield Effect(measure, sentence, estimate=value, ci=ci, p=_p_near(sentence, start, end + at))


def _arm_rates(sentence: str) -> Effect | None:
    """Per-arm response or remission percentages of one sentence, if it states two or more."""
    response, remission = _RESPONSE.search(sentence), _REMISSION.search(sentence)
    if not (response or remission) or _NOT_RATES.search(sentence):
        return None
    values: list[float] = []
    for m in _PERCENT.finditer(sentence):
        before, after = sentence[: m.start()], sentence[m.end() :]
        if (
            _THRESHOLD_BEFORE.search(before[-12:])
            or _THRESHOLD_AFTER.match(after)
            or (_DEMOGRAPHIC.match(after))
        ):
            continue
        values.append(float(m.group("v")))
    if len(values) < 2:
        return None
    first = sentence.find(f"{values[0]:g}")
    near_remission = remission and (
        not response or abs(remission.start() - first) < abs(response.start() - first)
    )
    measure = "remission_rate" if near_remission else "response_rate"
    return Effect(measure, sentence, arm_values=tuple(values[:6]), p=find_p(sentence))


def annotate(doc: Doc) -> tuple[Effect, ...]:
    """Every stated effect in the abstract's sentences, each with the sentence it came from."""
    found: list[Effect] = []
    seen: set[tuple[object, ...]] = set()
    for sentence in doc.sentences:
        if sentence.category in ("BACKGROUND", "OBJECTIVE", "METHODS") or _PLANNED.search(
            sentence.text
        ):
            continue
        candidates = list(_estimates(doc, sentence.text))
        if rates := _arm_rates(sentence.text):
            candidates.append(rates)
        for effect in candidates:
            key = (effect.measure, effect.estimate, effect.ci, effect.arm_values)
            if key not in seen:
                seen.add(key)
                found.append(effect)
    return tuple(found)
