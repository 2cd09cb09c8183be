"""Sample size: total human participants randomised, else enrolled, else analysed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.article import Article
from labels.rules.abstract_parts import abstract_parts
from labels.rules.count_groups import (
    STAGE_VERB,
    bracketed_groups,
    groups,
    repeated_measures,
    sum_of_groups,
)
from labels.rules.count_roles import (
    COMPLETED,
    ENROLLED,
    ENTRY_VERBS,
    RANDOMISED,
    SCREENED,
    count_role,
)
from labels.rules.counts import sentence_counts
from labels.rules.design import announces_protocol
from labels.rules.numbers import (
    ANY_DIGIT,
    NUM,
    NUMBER_WORD_ALONE,
    PEOPLE,
    mentions_people,
    people_noun_then,
)
from labels.rules.sample_scope import (
    added_group,
    comparison_group,
    control_group,
    estimated,
    from_literature,
    modelled,
    names_controls,
    new_cohort,
)
from labels.rules.shares import arm_denominators, denominator_counts, shared_share_base
from labels.text import article_text

NULL_SAMPLE_DESIGNS = frozenset({"preclinical", "review", "meta_analysis"})


_SUBCOUNT = re.compile(
    rf"{NUM}\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*(?:were|was|had|are)\s+"
    r"(?!included|randomi|enrolled|recruited)"
)
# "Study 2", "experiment one", "induction study B", "the second trial", "a validation cohort".
_MULTI_STUDY = re.compile(
    r"\b(?i:study|experiment|sample|cohort)\s+(?:[1-9IV]+|(?i:one|two|three)|[A-D])\b|"
    r"\b(?i:first|second|third|discovery|derivation|training|validation|replication|pilot|"
    r"main|blinded|exploratory|confirmatory)\s+"
    r"(?i:study|experiment|trial|cohort|sample)\b"
)
# "We present a 45-year-old man", "tested in vivo on a tumour patient": one patient; "we present
# a novel system" is no patient at all.
_SINGLE_PERSON = re.compile(
    r"\ba\s+\d{1,3}[- ](?:year|month|week|day)s?[- ]old\b|\b(?:we|this report) (?:describe|present|"
    rf"report)s? (?:a|the case of a|one)\s+(?:[\w-]+\s+){{0,3}}?(?:case|{PEOPLE})\b|"
    r"\b(?:in|on) (?:a|one) (?:[\w-]+\s+){0,3}?(?:patient|volunteer|subject)\b(?!s)",
    re.I,
)


@dataclass(frozen=True)
class _Candidate:
    value: int
    role: float  # 3 randomised, 2 enrolled, 1.5 stated, 1.3 completed, 1.2 screened, 1 analysed
    position: int
    sentence: int
    controls: bool = False  # the count is named as the control group ("acted as controls")
    # The count is a group beside the sample: named so with a verb of enrolment ("six other
    # patients were enrolled") or named as a further sample ("another cohort of 175").
    further: bool = False
    label: str = ""  # the group the count is named as ("10 patients (group A)"), if any


# "Of 367 patients identified, 113 ...", "Of the initial 417 subjects, 355 ...", "Out of the
# per-protocol set (n = 620), patients ... (n = 482)": the sentence leads with a pool.
_POOL_LEAD = re.compile(
    r"^(?:[A-Z][A-Za-z ]+:\s*)?(?:Of|From|Among|Out of)\s+"
    r"(?:the\s+|a total of\s+|these\s+)?(?:[\w-]+\s+){0,3}\(?\s*$"
)
_AND = re.compile(r"\s+and\s+")
_SUBSET_TAKEN = re.compile(rf"{RANDOMISED.pattern}|{ENROLLED.pattern}|\bresponded\b", re.I)
_SHARE_LEAD = re.compile(r"^(?:[A-Z][A-Za-z ]+:\s*)?(?:Of|Out of)\s+(?:a total of\s+)?$")
# "Of 24 patients with other indications", "Of 157 cases admitted": a subset, or admissions.
_SUBSET_OF = re.compile(r"[^,;]*\b(?:who|with other|admitted)\b", re.I)
_SHARE = re.compile(r"%|\bper ?cent\b|\b(?:the )?majority\b", re.I)
_OF_BEFORE = re.compile(r"\bof\s+(?:the\s+)?$", re.I)


_VERB_THEN_BRACKET = re.compile(rf"\b(?:{ENTRY_VERBS})\s*\(\s*$", re.I)
_PEOPLE_BEFORE_N = people_noun_then(r"(\[,")
_CLOSES = re.compile(r"\s*\)\s*\.?\s*")
_FINITE = re.compile(r"\b(?:were|was|is|are|had|have|has|did|do|does)\b", re.I)
_PEOPLE_THEN_N = re.compile(
    rf"^(?:[A-Z][A-Za-z ]+:\s*)?(?:[\w-]+\s+){{0,3}}?{PEOPLE}\b[^.;()]{{0,80}}\($"
)


def _sentence_candidates(
    sentence: str, offset: int, index: int, number_words: bool = True
) -> list[_Candidate]:
    """Counts of people stated in one sentence, listed groups summed."""
    counts = [c for c in sentence_counts(sentence, number_words) if not estimated(sentence, c)]
    if not counts or modelled(sentence):
        return []  # "100,000 patients were simulated": a model's cohort, not participants
    whole = [c for c in counts if c.kind not in ("n", "part")]
    parts = [c for c in counts if c.kind == "n"]
    out: list[_Candidate] = []
    taken_from_pool = False
    if len(counts) == 1 and _SHARE_LEAD.match(sentence[: counts[0].start]):
        # "Of 227 patients, 92% were treated with X": the shares are of the whole sample ("Of
        # the 117 patients who returned" refers back to a subset of it).
        lead = counts[0]
        rest = sentence[lead.end :]
        if _SHARE.search(rest) and not SCREENED.search(sentence) and not _SUBSET_OF.match(rest):
            return [_Candidate(lead.value, 2.0, offset + lead.start, index)]
    # "Of 367 patients identified, 113 responded": a screened lead count is the pool, not the
    # sample; "Of the 135 patients randomised, 67 received X" leads with the sample itself.
    if len(counts) > 1 and _POOL_LEAD.match(sentence[: counts[0].start]):
        lead = counts[0]
        # "Of the 9681 women and 8888 men who attended, 706 women and 1700 men ...": the pool
        # is listed by group.
        pool = [lead]
        while len(pool) < len(counts) - 1 and _AND.fullmatch(
            sentence, pool[-1].end, counts[len(pool)].start
        ):
            pool.append(counts[len(pool)])
        taken = counts[len(pool)]
        clause, rest = sentence[lead.start : taken.start], sentence[taken.start :]
        if RANDOMISED.search(clause):
            role = 3.0  # "Of 600 randomized patients, 562 entered the analysis"
        elif SCREENED.search(clause) or _SUBSET_TAKEN.search(rest) or parts:
            role = 1.2
            # "Of 367 patients identified, 113 responded": the count taken from the pool is
            # the sample, even by a verb that elsewhere marks a subset.
            taken_from_pool = True
        else:
            role = count_role(clause, 0, lead.end - lead.start)
        value = sum(c.value for c in pool)
        out.append(_Candidate(value, role, offset + lead.start, index))
        whole = [c for c in whole if c not in pool]
        parts = [c for c in parts if c not in pool]
        if not whole and not parts:
            return out
    if whole:
        for group in groups(sentence, whole):
            if from_literature(sentence, group[0], group[-1]):
                continue  # "the 17 previously reported cases": other authors' patients
            if len(group) > 1 and not repeated_measures(sentence, group):
                value = sum_of_groups([c.value for c in group])
            else:
                value = group[0].value
            later = [
                c.start
                for c in counts
                if c.start > group[-1].end and STAGE_VERB.match(sentence, c.end)
            ]
            role = count_role(sentence, group[0].start, group[-1].end, min(later, default=None))
            if group[0].kind == "bare" and _SUBCOUNT.match(sentence, group[0].start):
                role = 0.5
            if group[0].kind == "bare" and _OF_BEFORE.search(sentence[: group[0].start]):
                role = 1.2
            if all(c.weak for c in group):
                role -= 0.3
            if taken_from_pool and COMPLETED.search(sentence, group[-1].end, group[-1].end + 40):
                role = max(role, 2.0)
            controls = control_group(sentence, group[0])
            further = (
                (role >= 2 and added_group(sentence, group[0]))
                or new_cohort(sentence, group[0])
                or comparison_group(sentence, group[0])
            )
            label = _group_label(sentence, group[-1].end) if len(group) == 1 else ""
            out.append(
                _Candidate(value, role, offset + group[0].start, index, controls, further, label)
            )
    elif not parts:
        c = next(c for c in counts if c.kind == "part")
        value, role = c.value, 0.5
        if _VERB_THEN_BRACKET.search(sentence, max(0, c.start - 30), c.start):
            role = count_role(sentence, c.start, c.end)  # "were enrolled (3527 patients)"
        # "427 cyclists (251 male and 176 female)" with the head noun unread: the sexes add up.
        sexes = [c for c in counts if c.kind == "part" and c.sex][:2]
        if len(sexes) == 2 and sentence.find(")", sexes[0].end, sexes[1].start) < 0:
            value, role = sexes[0].value + sexes[1].value, 1.5
        elif (listed := bracketed_groups(sentence, counts)) is not None:
            value, role = listed, 1.5
        out.append(_Candidate(value, role, offset + c.start, index))
    elif len(parts) > 1 and not repeated_measures(sentence, parts):
        role = count_role(sentence, parts[0].start, parts[-1].end)
        total = sum_of_groups([c.value for c in parts])
        out.append(_Candidate(total, role, offset + parts[0].start, index))
    elif len(counts) == 1 and _PEOPLE_BEFORE_N.search(sentence, 0, parts[0].start):
        # "Participants (n = 88) were ...": the one "n =" of a sentence, right after its people
        # noun, counts them all.
        role = count_role(sentence, parts[0].start, parts[0].end)
        out.append(_Candidate(parts[0].value, role, offset + parts[0].start, index))
    elif (
        len(counts) == 1
        and _PEOPLE_THEN_N.match(sentence[: parts[0].start])
        and _CLOSES.fullmatch(sentence, parts[0].end)
        and not _FINITE.search(sentence)
    ):
        # "Adult patients undergoing general anesthesia (n = 240).": a participants entry that
        # describes the people, then counts them (with a verb it is more often a subgroup).
        out.append(_Candidate(parts[0].value, 1.5, offset + parts[0].start, index))
    elif control_group(sentence, parts[0]):
        # "Placentas without chorioamnionitis (n = 52) served as controls": a group of its own.
        out.append(_Candidate(parts[0].value, 1.5, offset + parts[0].start, index, controls=True))
    else:
        out.append(_Candidate(parts[0].value, 0.5, offset + parts[0].start, index))
    return out


def _with_added_groups(best: _Candidate, candidates: list[_Candidate], study: list[str]) -> int:
    """The sample plus each later sentence's group that is enrolled beside it (Part 2, rule 12:
    every group studied counts): a further group with a verb of taking part, or a control group
    the sample's own sentence does not count already."""
    total = best.value
    seen = {best.sentence}
    counted_controls = names_controls(study[best.sentence])
    for c in sorted(candidates, key=lambda c: (-c.role, c.position)):
        if c.sentence in seen or c.position < best.position:
            continue
        if c.further or (c.controls and c.role >= 1.5 and not counted_controls):
            seen.add(c.sentence)
            total += c.value
    return total


def _best(candidates: list[_Candidate], study_sentences: list[str]) -> tuple[int, _Candidate]:
    """The sample: the best-ranked count, or the sum of separately stated studies, plus groups
    named as beside it, with the count it rests on. (A later count of controls not so named is
    not added: more often it splits the sample than adds to it.)"""
    # "Nineteen patients underwent ... Eighteen healthy participants served as controls": the
    # controls, like any group named as beside the sample, are added to it, not taken for it.
    sample = [c for c in candidates if not c.controls and not c.further] or candidates
    best = max(sample, key=lambda c: (c.role, -c.position))
    if best.role == 1.5:
        # "Records of 3051 patients were analysed ... In 421 patients, ...": a later, smaller
        # count without a verb is a subgroup of the analysed sample stated before it.
        analysed = [c for c in candidates if c.role == 1.0 and c.position < best.position]
        if analysed and analysed[0].value > best.value:
            best = analysed[0]
    spread = len({c.sentence for c in candidates}) > 1
    # Each study named ("In the blinded study, ...") once: its best count, the first on a tie.
    named: dict[str, list[int]] = {}
    for i, sentence in enumerate(study_sentences):
        if spread and (m := _MULTI_STUDY.search(sentence)):
            named.setdefault(" ".join(m.group(0).lower().split()), []).append(i)
    if len(named) > 1:
        per_study = [
            max(
                (c for c in candidates if c.sentence in sentences),
                key=lambda c: (c.role, -c.position),
                default=None,
            )
            for sentences in named.values()
        ]
        values = [c.value for c in per_study if c is not None]
        if len(values) > 1 and any(best.sentence in s for s in named.values()):
            return sum(values), best
    value = _with_added_groups(best, candidates, study_sentences)
    return max(value, _labelled_groups(candidates)), best


# "In 10 patients (group A) ...", "in 226 patients (cluster 1) ...": a count named as a group.
_LABEL = re.compile(r"\s*\(\s*(?i:group|cluster|cohort|arm)\s+([A-Z]|[1-9]|I{1,3}|IV)\s*\)")


def _group_label(sentence: str, end: int) -> str:
    """The label of the group a count is named as, right after it, else ""."""
    m = _LABEL.match(sentence, end)
    return m.group(1).upper() if m else ""


def _labelled_groups(candidates: list[_Candidate]) -> int:
    """The groups named by label, each stated on its own ("In 10 patients (group A) ... Five
    patients (group B) received ..."), summed: the sample, reported group by group."""
    sizes: dict[str, int] = {}
    for c in candidates:
        if c.label:
            sizes.setdefault(c.label, c.value)
    return sum(sizes.values()) if len(sizes) > 1 else 0


def _all_candidates(study: list[str]) -> list[_Candidate]:
    """Candidates of every sentence, positions counted through the whole text."""
    number_words = any(NUMBER_WORD_ALONE.search(s.lower()) for s in study)
    candidates: list[_Candidate] = []
    offset = 0
    for index, sentence in enumerate(study):
        if number_words or ANY_DIGIT.search(sentence) is not None:
            candidates.extend(_sentence_candidates(sentence, offset, index, number_words))
        offset += len(sentence) + 1
    return candidates


def extract_sample_size(article: Article, design: str | None = None) -> int | None:
    """Return total human participants randomised, else enrolled, else analysed (TAXONOMY)."""
    return read_sample_size(article, design)[0]


# How sure the reading is, by what it rests on (a raw score: training maps it to the share of
# right answers out of fold, and a low one marks the sample size for review).
SURE_NONE = 0.9  # a design or protocol without participants
NO_PEOPLE = 0.85  # nothing in the text counts people
NOT_FOUND = 0.6  # people named, no count of them read
FALLBACK = 0.45  # only the base of shares, or one person by the wording
_BY_ROLE = ((3.0, 0.9), (2.0, 0.8), (1.5, 0.65), (1.2, 0.5))


def read_sample_size(article: Article, design: str | None = None) -> tuple[int | None, float]:
    """The sample size and how sure its reading is: randomised or enrolled counts are surer
    than a count without a verb, a subset or a pool; a rival count with the same standing, a
    count read outside the methods and results, or a fallback make it less sure."""
    if design in NULL_SAMPLE_DESIGNS or _is_protocol(article):
        return None, SURE_NONE
    if design is None and is_animal_study(article):
        return None, SURE_NONE
    abstract = (article.abstract or "").lower()
    if not mentions_people(abstract) and not mentions_people((article.title or "").lower()):
        # No people anywhere: nothing to count.
        return (1, NO_PEOPLE) if design == "case_report" else (None, NO_PEOPLE)
    # The aim, the title or (last) the background can be the only place the number is stated
    # ("A Study on 1,006 Italians", "evaluated in 76 older adults"): read each in turn when the
    # parts before it state none.
    parts = abstract_parts(article)
    readings = (parts.study, [*parts.aims, article.title or ""], parts.background)
    candidates, study, place = [], parts.study, 0
    for index, text in enumerate(readings):
        candidates, study, place = _all_candidates(text), text, index
        if candidates:
            break
    if not candidates:
        # "Fibrosis was observed in 7 of 70 patients": no count but the base of a share.
        arms = next(filter(None, map(arm_denominators, parts.study)), None)
        if arms is not None:
            return arms, FALLBACK
        bases = [n for sentence in parts.study for n in denominator_counts(sentence)]
        if bases:
            return bases[0], FALLBACK
        shared = shared_share_base(parts.study)
        if shared is not None:
            return shared, FALLBACK
        single = design == "case_report" or _SINGLE_PERSON.search(article_text(article))
        return (1, FALLBACK) if single else (None, NOT_FOUND)
    value, best = _best(candidates, study)
    if design == "case_report" and value > 30:
        return 1, FALLBACK
    sure = next((score for role, score in _BY_ROLE if best.role >= role), 0.4)
    if any(c.role == best.role and c.value != best.value for c in candidates if c is not best):
        sure -= 0.1  # a rival count with the same standing
    if place:
        sure -= 0.1  # read from the aim, the title or the background
    return value, round(sure, 2)


def _is_protocol(article: Article) -> bool:
    """Whether the title announces a study protocol, which has no participants yet."""
    return announces_protocol((article.title or "").lower())


_ANIMALS = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|pigs?|porcine|piglets?|swine|"
    r"sheep|ovine|monkeys?|macaques?|primates?|zebrafish|drosophila|cats?|feline|horses?|equine|"
    r"cattle|calves|buffalo(?:es)?|chicks?|hamsters?|guinea pigs?|ferrets?|in vitro|cultured|"
    r"cell lines?|wistar|sprague|c57bl)\b",
    re.I,
)
_HUMANS = re.compile(
    r"\b(?:patients?|participants?|volunteers?|subjects? (?:with|who)|women|men|children|adults?|"
    r"humans?|individuals?|people|clinical)\b",
    re.I,
)


def is_animal_study(article: Article) -> bool:
    """Whether the record reads as an animal or in-vitro study rather than a human one."""
    text = article_text(article)
    animals = len(_ANIMALS.findall(text))
    if animals == 0:
        return False
    humans = len(_HUMANS.findall(text))
    return animals >= 2 and animals > humans
