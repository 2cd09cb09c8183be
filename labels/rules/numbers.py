"""Numbers in PubMed prose (digits and words) and the people nouns they count."""

from __future__ import annotations

import re
from collections.abc import Iterator

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# "Fourty one children", "Twentyfive patients": a common misspelling, and tens run into units.
_TENS = "|".join((*_TENS_WORDS, "fourty"))
_TENS_UNITS = rf"(?:{_TENS})(?:{_UNITS})?"  # a whole word: "forty", "twentyfive"
_BELOW100 = rf"(?:(?:{_TENS})(?:[- ]?(?:{_UNITS}))?|{_TEENS}|{_UNITS})"
# "One hundred and sixty-four", also hyphenated throughout ("One-hundred-and-sixty-four").
_BELOW1000 = rf"(?:(?:{_BELOW100}|a)[\s-]+hundred(?:[\s-]+(?:and[\s-]+)?{_BELOW100})?|{_BELOW100})"
_WORDNUM = rf"(?:{_BELOW1000}[\s-]+thousand(?:[\s-]+(?:and[\s-]+)?{_BELOW1000})?|{_BELOW1000})"
_WORD_VALUES = (
    {w: i + 1 for i, w in enumerate(_UNITS.split("|"))}
    | {w: i + 10 for i, w in enumerate(_TEENS.split("|"))}
    | {w: (i + 2) * 10 for i, w in enumerate(_TENS_WORDS)}
    | {"fourty": 40, "a": 1}
)
_WORD_VALUES |= {
    tens + unit: _WORD_VALUES[tens] + _WORD_VALUES[unit]
    for tens in _TENS.split("|")
    for unit in _UNITS.split("|")
}
# Thousands grouped by commas or by a (thin, narrow or no-break) space: "1,344", "151 110".
_THOUSANDS_SPACE = r"[ \u2009\u202f\xa0]"
_DIGITS = rf"\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:{_THOUSANDS_SPACE}\d{{3}})+(?!\d)|\d+"
NUM = (
    rf"(?<![\w.,/±≥≤<>=+-])(?:{_DIGITS}|(?i:{_WORDNUM}))"
    r"(?![\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln))"
)
PEOPLE = (
    r"(?i:patients?|participants?|subjects?|individuals?|persons?|people|adults?|children|child|"
    r"adolescents?|youths?|teens?|teenagers?|students?|women|woman|men|man|males?|females?|"
    r"mothers?|fathers?|parents?|infants?|neonates?|newborns?|girls?|boys?|veterans?|soldiers?|"
    r"volunteers?|respondents?|nurses?|physicians?|doctors?|clinicians?|residents?|workers?|"
    r"employees?|survivors?|caregivers?|carers?|smokers?|users?|cases?|controls?|outpatients?|"
    r"inpatients?|couples?|dyads?|families|informants?|teachers?|athletes?|elderly|twins?|"
    r"pairs?|hcws|plwh|recipients?|donors?|members?|personnel|staff|practitioners?|pharmacists?|"
    r"dentists?|surgeons?|psychiatrists?|psychologists?|therapists?|midwives|officers?|"
    r"professionals?|providers?|experts?|stakeholders?|researchers?|firefighters?|refugees?|"
    r"migrants?|immigrants?|prisoners?|inmates?|pupils?|trainees?|interns?|postgraduates?|"
    r"undergraduates?|graduates?|victims?|decedents?|deaths?|suicides?|homicides?|completers?|"
    r"responders?|non-responders?|gamblers?|drinkers?|questionnaires|responses|"
    r"babies|candidates|farmers|drivers|relatives|siblings|spouses|wives|husbands|partners|"
    r"callers|clients|attendees|players|cyclists|runners|examinees|attempters|addicts|peers|"
    r"(?:primi|multi|nulli)?(?:paras|gravidas)|alcoholics|nonalcoholics|diabetics|normals|"
    r"(?:non-?)?depressives|humans|laypersons|laypeople|"
    r"schizophrenics|epileptics|asthmatics|americans|africans|europeans|mexicans|koreans|"
    r"chinese|japanese|[a-z]+ians|hcps|"
    # Occupations and roles: "210 professors", "116 cleaners", "58 divers". (Raters and
    # readers are left out: "5 radiologists rated the images" counts no participants.)
    r"professors|lecturers|managers|executives|cleaners|divers|pilots|miners|sailors|seafarers|"
    r"police|policemen|cadets|recruits|conscripts|servicemen|sportsmen|swimmers|dancers|"
    r"footballers|learners|freshmen|retirees|pensioners|seniors|elders|widows|orphans|"
    r"travell?ers|tourists|pilgrims|housewives|homemakers|applicants|entrants|"
    r"schoolchildren|schoolboys|schoolgirls|grandparents|grandmothers|interviewees|"
    r"probands|(?:non-?)?carriers|parturients|insomniacs|meditators|non-?meditators|"
    r"vegetarians|vegans|trios|"
    r"hcs?|[A-Z][A-Za-z]*-?speaking\s+\w+)"
)


def people_noun_then(punctuation: str) -> re.Pattern[str]:
    """A people noun closing the text, then one of ``punctuation`` ("Participants (",
    "patients,"): a count right after it counts those people."""
    return re.compile(rf"\b{PEOPLE}\s*[{punctuation}]\s*$")


# The singular of each people noun: after a count above one it can qualify a place or an event
# ("Two inpatient rehabilitation wards", "eight individual interviews"), not name the people.
SINGULAR_NOUN = frozenset(
    {w for w in re.findall(r"(?<![\w?])([a-z][a-z-]*)s\?", PEOPLE)}
    - {"male", "female"}  # "(12 male, 8 female)": the sexes of the sample
    | {"woman", "man", "child", "person"}
)
WEAK_NOUN = re.compile(r"questionnaires|responses|deaths?|suicides?|homicides?", re.I)
_STOP_MODIFIER = (
    r"of|in|on|at|to|for|from|by|with|within|after|before|during|than|and|or|per|the|a|an|all|"
    r"these|those|that|which|who|were|was|are|is|had|have|has|been|mg|kg|ml|g|h|hr|hrs|min|mins|"
    r"s|sec|mm|cm|years?|yrs?|months?|weeks?|days?|hours?|minutes?|times|doses?|studies|trials|"
    r"articles|records|reports|rats?|mice|items|sessions|visits|points|sites|centres|centers|"
    r"hospitals|countries|groups?|arms?"
)
_MODIFIER = (
    rf"(?:(?:(?!(?:{_STOP_MODIFIER})\b)[A-Za-z][\w'’/]*(?:-\w+)*|"
    # "age- and sex-matched", "age-, sex- and practice-matched", "age--sex matched"
    r"(?:(?:age|sex|gender|race|ethnicity|practice)(?:-+|,|\s)+(?:and\s+|or\s+)?)+matched|"
    r"ASA\s+(?:physical\s+status\s+)?[I1-4V]+(?:\s*(?:and|or|-|,|/)\s*[I1-4V]+)*|"
    # "33 nonatopic (NA) subjects": an abbreviation in brackets after a modifier
    r"\([A-Za-z][\w-]{0,10}\))\s+)"
)
# "55 head and neck cancer patients", "86 paediatric and adult patients": two modifiers joined by
# "and" still name one group (but "45 practices and five children" names two).
_JOINED_MODIFIERS = (
    r"(?:(?!(?:and|or|the|of|in|with|for)\b)[A-Za-z][\w-]*+(?<![s_-])\s+(?:and|&)\s+"
    rf"(?!(?:{_UNITS}|{_TEENS}|{_TENS}|a|an|the|their|other|no|such|all|any)\b))?"
)
# Numbers are found by a cheap digit scan (and a word scan only where number words occur);
# the people noun and the verb after a number are then matched at that one position.
# "One hundred and seven (52 females) university students": an aside without a percent may
# stand between the number and its noun.
# "586 19-year-old male adolescents", "40 6- to 12-year-old children", "262 four-to seven-year-old
# children": an age between the count and its noun.
_AGE = rf"(?:\d{{1,2}}|(?i:{_UNITS}|{_TEENS}))"
_AGE_BETWEEN = (
    rf"(?:{_AGE}(?:\s*-?\s*(?:to|-|–)\s*{_AGE})?[- ](?:year|month|week|day)s?[- ]old\s+)?"
)
NOUN_AFTER = re.compile(
    r"\s+(?:\((?![^()]*%)[^()]{1,40}\)\s+)?"
    + _AGE_BETWEEN
    + rf"(?P<mods>{_MODIFIER}{{0,2}}?{_JOINED_MODIFIERS}{_MODIFIER}{{0,5}})(?P<noun>{PEOPLE})\b"
    r"(?!-(?:years?|months?|days?))"
    r"(?!\s+(?:characteristics|variables|factors)\b)"  # "forty patient characteristics"
)
# "...physical activity.1154 medical and 786 non-medical students": a sentence glued to the one
# before it starts after a letter and a full stop.
_DIGIT_RUN = re.compile(
    rf"(?:(?<![\w.,/±≥≤<>=+-])|(?<=[a-z]{{2}}\.))(?:{_DIGITS})"
    r"(?![\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln))"
)
_WORD_RUN = re.compile(rf"(?i:{_WORDNUM})")
# A whole ASCII-letter word that is a number word (ASCII case-folding only, like str.lower on
# [A-Za-z]); found by one scan instead of looking at every word of the sentence.
_NUMBER_WORD = re.compile(
    rf"(?<![A-Za-z])(?:{_UNITS}|{_TEENS}|{_TENS_UNITS})(?![A-Za-z])",
    re.IGNORECASE | re.ASCII,
)
_NOT_DIGIT = re.compile(r"\D")
_SEPARATORS = str.maketrans({c: " " for c in "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~±≥≤–—"})
ANY_DIGIT = re.compile(r"\d")
_NOT_BEFORE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,/±≥≤<>=+-"
)
_NOT_AFTER = re.compile(r"[\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln)")


def _plain_words(pattern: str) -> frozenset[str]:
    """The literal words of an alternation like ``patients?|women|hcs?`` (with optional "s")."""
    words: set[str] = set()
    for alt in re.findall(r"[a-z][a-z-]*s?\??", pattern.lower()):
        stem = alt.rstrip("?")
        words.add(stem)
        if alt.endswith("?"):
            words.add(stem[:-1])
        words.update(stem.split("-"))
    return frozenset(w for w in words if w.isalpha() and len(w) > 2)


_BARE_VERBS = (
    "who were was had have responded completed participated agreed entered met "
    "fulfilled underwent took consented"
)
COUNT_CONTEXT = _plain_words(PEOPLE) | frozenset(_BARE_VERBS.split()) | {"n", "ntotal"}
# A whole word in the sense of ``words``: bounded by whitespace, a separator or the text's end.
_SEPARATOR_CHARS = re.escape("".join(chr(c) for c in _SEPARATORS))
_ALONE = (rf"(?<![^\s{_SEPARATOR_CHARS}])", rf"(?![^\s{_SEPARATOR_CHARS}])")
NUMBER_WORD_ALONE = re.compile(rf"{_ALONE[0]}(?:{_UNITS}|{_TEENS}|{_TENS_UNITS}){_ALONE[1]}")
COMMON_CONTEXT = re.compile(
    rf"{_ALONE[0]}(?:were|was|had|have|patients?|participants?|subjects?|n){_ALONE[1]}"
)
# "19 patients (45%)" is a part of a larger group; "190 patients (58% men)" is not: the percent
# must close its bracket or clause.
_IANS = re.compile(r"[a-z]ians\b")


def mentions_people(low: str) -> bool:
    """Whether lower-cased text has a people noun, "n =" or a verb of taking part: without one
    nothing in it is a count. The common words are tried first with one regex; the full word
    set is built only when none of them occurs."""
    if COMMON_CONTEXT.search(low) is not None:
        return True
    return not words(low).isdisjoint(COUNT_CONTEXT) or _IANS.search(low) is not None


PERCENT_NEXT = re.compile(r"\s*[(\[]\s*\d+(?:\.\d+)?\s*%\s*(?:[)\],;]|of\b)")
BARE_AFTER = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?=(?:who|were|was|had|have|responded|"
    r"completed|participated|agreed|entered|met|fulfilled|underwent|took part|consented)\b)",
)
N_EQUALS = re.compile(
    r"(?<![\w])(?P<n>[nN])\s?(?:total|tot)?\s*[=:]\s*"
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:{_THOUSANDS_SPACE}\d{{3}})+(?![\d.])|\d+)(?![\d.])"
)


def number_value(token: str) -> int | None:
    """Parse digits ("1,344", "43 465") or words ("Twenty-four", "six thousand two hundred ten")."""
    token = token.strip().lower()
    if token[0].isdigit():
        return int(re.sub(r"[,\s\u2009\u202f]", "", token))
    token = token.replace("-", " ")
    thousands, _, rest = token.partition("thousand")
    if _:
        high = _below_1000(thousands.strip()) or 1
        low = _below_1000(re.sub(r"^\s*and\s+", "", rest).strip()) if rest.strip() else 0
        return None if low is None else high * 1000 + low
    return _below_1000(token)


def _below_1000(token: str) -> int | None:
    hundreds, _, rest = token.partition("hundred")
    if not _:
        return _below_100(token)
    high = _below_100(hundreds.strip()) or 1
    rest = re.sub(r"^\s*and\s+", "", rest).strip()
    low = _below_100(rest) if rest else 0
    return None if low is None else high * 100 + low


def _below_100(token: str) -> int | None:
    values = [_WORD_VALUES.get(p) for p in re.split(r"[- ]+", token.strip()) if p]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def find_numbers(sentence: str, number_words: bool) -> Iterator[tuple[int, int, int]]:
    """(value, start, end) of each standalone number, in digits or in words."""
    for m in _DIGIT_RUN.finditer(sentence):
        yield int(_NOT_DIGIT.sub("", m.group(0))), m.start(), m.end()
    if not number_words:
        return
    last = -1
    for word in _NUMBER_WORD.finditer(sentence):
        if word.start() < last:
            continue
        run = _WORD_RUN.match(sentence, word.start())
        if run is None or (run.end() < len(sentence) and sentence[run.end()].isalpha()):
            continue
        last, start, end = run.end(), run.start(), run.end()
        if (start and sentence[start - 1] in _NOT_BEFORE and not _glued(sentence, start)) or (
            _NOT_AFTER.match(sentence, end)
        ):
            continue
        value = number_value(run.group(0))
        if value is not None:
            yield value, start, end


def _glued(sentence: str, start: int) -> bool:
    """Whether a capitalised number word opens a sentence glued to the one before it
    ("...hemiparesis.Approach.Eleven able-bodied subjects"), as some structured abstracts are."""
    return (
        start >= 2
        and sentence[start - 1] == "."
        and sentence[start - 2].isalpha()
        and sentence[start].isupper()
    )


def words(text: str) -> set[str]:
    """The lower-case words of a text (punctuation and digits as separators)."""
    return set(text.lower().translate(_SEPARATORS).split())
