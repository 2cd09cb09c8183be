"""Robot: risk-of-bias hints after RobotReviewer's domains, read from the abstract alone.

Each domain gets ``low``, ``unclear`` or ``high`` with the sentence behind it. These are hints
for the reviewer (an abstract rarely says enough for a risk-of-bias judgement), so "the abstract
does not say" is always ``unclear``, never ``low``. Levels follow GUIDE.md's definitions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from labels.appraisal import comparators
from labels.appraisal.attrition import attrition_share
from labels.appraisal.document import Doc, Sentence
from labels.appraisal.types import BiasHint, Comparator

_SEQUENCE_LOW = re.compile(
    r"computer[- ]?(?:generated|ized randomi|ised randomi)|random[- ]number|randomi[sz]ation "
    r"(?:list|schedule|sequence|table|software|program|code)s?\b(?!\s+(?:was|were) (?:not|un))|"
    r"randomly generated|random allocation sequence|minimi[sz]ation|coin[- ]?(?:toss|flip)|"
    r"randomi[sz]ation was (?:done|performed|carried out|conducted) (?:centrally|using|with|by|"
    r"through|via) (?:an? |the )?(?:web|internet|online|computer|central|interactive)|"
    r"drawing (?:of )?lots|lottery|interactive (?:voice|web)[- ](?:response|based)|\bIVRS\b|"
    r"\bIWRS\b|\bIxRS\b|interactive response technology|central(?:ly|i[sz]ed)? randomi[sz]|"
    r"(?:web|internet|online)[- ]based randomi[sz]|sealed[- ]envelope randomi|"
    r"random(?:ly)? (?:permuted|generated)|randomi[sz]ed by (?:a |the )?computer|"
    r"(?:block|stratified) randomi[sz]ation (?:using|with|by) (?:a |an )?(?:computer|random|web)",
    re.I,
)
_SEQUENCE_HIGH = re.compile(
    r"quasi[- ]random|alternat(?:e|ing|ion|ely) (?:allocation|assignment|basis|order)|"
    r"allocated alternately|according to (?:their )?(?:date of birth|hospital (?:record )?number|"
    r"record number|day of (?:the )?week|admission)|odd (?:or|and) even|non-?randomi[sz]ed "
    r"(?:allocation|assignment)|by (?:patient )?(?:choice|preference)",
    re.I,
)
_RANDOM = re.compile(r"\brandom|\bcross-?over\b", re.I)
_CONCEAL_LOW = re.compile(
    r"opaque|sequentially numbered|allocation (?:was )?conceal|conceal\w* allocation|"
    r"randomi[sz]ation was (?:done|performed|carried out|conducted) (?:centrally|using|with|by|"
    r"through|via) (?:an? |the )?(?:web|internet|online|central|interactive)|"
    r"central(?:ly|i[sz]ed)? (?:randomi|allocat)|pharmacy[- ]?(?:controlled|prepared)|"
    r"(?:by|from) (?:the|a|an) (?:hospital |independent )?pharmac|interactive (?:voice|web)[- ]"
    r"(?:response|based)|\bIVRS\b|\bIWRS\b|\bIxRS\b|interactive response technology|"
    r"(?:web|internet|telephone)[- ]based (?:randomi|allocation)|telephone randomi|third[- ]party|"
    r"independent (?:pharmacist|statistician|person|investigator)|coded (?:containers|bottles|"
    r"syringes|boxes|vials)|identical(?:ly)?[- ](?:appearing |labelled |numbered )?(?:coded )?"
    r"(?:containers|bottles|boxes|syringes|vials)",
    re.I,
)
_CONCEAL_HIGH = re.compile(
    r"open (?:allocation|randomi[sz]ation)|unsealed|alternat\w+ allocat", re.I
)
_DOUBLE = re.compile(
    r"(?:double|triple|quadruple)[- ]?(?:blind|mask)|(?:patients?|participants?|subjects?|"
    r"volunteers?|children|women|men)(?: and (?:\w+ ){0,2}\w+)? (?:were|was|remained) "
    r"(?:all )?(?:blind|blinded|masked|unaware)|(?:blinded|masked) (?:to|for) (?:the )?"
    r"(?:treatment|group|allocation)[^.]{0,40}(?:patients|participants)|"
    r"(?:identical|indistinguishable|matching)(?:[- ]appearing)? (?:in )?(?:appearance|placebo|"
    r"capsules|tablets|pills|syringes|solution|infusion)",
    re.I,
)
_OPEN = re.compile(
    r"open[- ]label|unblinded|non-?blinded|not (?:been )?blinded|without blinding|no blinding|"
    r"open (?:study|trial|design|randomi[sz]ed)|single[- ]blind(?:ed)?,? (?:\w+ ){0,3}"
    r"(?:assessor|rater|observer|evaluator|outcome)",
    re.I,
)
_ASSESSOR = re.compile(
    r"(?:blind(?:ed)?|masked|independent blinded) (?:outcome )?(?:assessors?|raters?|observers?|"
    r"evaluators?|investigators?|examiners?|researchers?|interviewers?|clinicians?)|"
    r"(?:assessors?|raters?|observers?|evaluators?|investigators?|examiners?|researchers?)"
    r"(?: \w+){0,4} (?:were|was|remained) (?:all )?(?:blind|blinded|masked|unaware)|"
    r"(?:assessor|rater|observer|evaluator|examiner|investigator)[- ](?:blind|mask)",
    re.I,
)
_ASSESSOR_NOT = re.compile(
    r"(?:assessors?|raters?|observers?|evaluators?)(?: \w+){0,3} (?:were|was) not (?:blind|mask)",
    re.I,
)
_SINGLE = re.compile(r"single[- ]?(?:blind|mask)", re.I)
_CONSPICUOUS = re.compile(
    r"\b(?:es|ar|s-|r-|\(s\)-|\(r\)-)?ketamine\b|nitrous oxide|psilocybin|\bLSD\b|lysergic|"
    r"\bMDMA\b|ayahuasca|\bDMT\b|scopolamine|mescaline|cannabis|\bTHC\b|dronabinol|nabilone|"
    r"amphetamine|methylphenidate|marijuana|ibogaine",
    re.I,
)
_ANAESTHESIA = re.compile(
    r"general an(?:a)?esthe|under an(?:a)?esthe|an(?:a)?esthe\w+ induction|induction of an(?:a)?"
    r"esthe|intraoperative(?:ly)?|pre-?incision|sedat\w+ (?:for|during)|during (?:the )?surgery",
    re.I,
)
_POSTOP = re.compile(
    r"post-?operative(?:ly)? (?:\w+ )?(?:infusion|epidural|bolus|administration|analgesi)|"
    r"after (?:the )?surgery|patient[- ]controlled|\bPCA\b|\bIVPCA\b",
    re.I,
)
# Interventions that cannot be hidden from participants when no sham or placebo is used.
_UNBLINDABLE = re.compile(
    r"\b(?:massage|reflexology|exercise|training|surgery|surgical|resection|education\w*|"
    r"program(?:me)?|diet\w*|intake|bath|rehabilitation|smoking|cigarettes?|yoga|tap(?:e|ing)|"
    r"app\b|internet|online|counsel\w*|psychotherapy|therapist|cognitive behavio\w+|discharge|"
    r"mobile|simulation|fixation|grafting|nursing|sleep restriction|meal|fish|cod)\b",
    re.I,
)
_ITT_LOW = re.compile(
    r"intention[- ]to[- ]treat|intent[- ]to[- ]treat|\b(?:m)?ITT\b|full[- ]analysis set|"
    r"all randomi[sz]ed (?:patients|participants|subjects)(?: \w+){0,3} (?:were )?"
    r"(?:included|analy[sz]ed)",
    re.I,
)
_ITT_HIGH = re.compile(
    r"per[- ]protocol (?:analysis|population|set)|completers?[- ](?:analysis|only)|"
    r"only (?:patients|participants|subjects) who completed|were excluded from (?:the )?analys",
    re.I,
)
REGISTRY_ID = re.compile(
    r"\bNCT\s?\d{8}\b|\bISRCTN\s?\d{8}\b|\bACTRN\s?\d{14}\b|\bChiCTR[-\w]*?\d{6,}|"
    r"\bEudraCT\b[^.;]{0,25}?\d{4}-\d{6}-\d{2}|\b\d{4}-\d{6}-\d{2}\b|\bDRKS\s?\d{8}\b|"
    r"\bCTRI/\d{4}/\d+/\d+|\bIRCT\s?\d{6,}N?\d*|\bUMIN\s?\d{9}\b|\bJPRN-\w+|\bjRCT\w+|"
    r"\bNTR\s?\d{3,5}\b|\bNL\s?\d{4,5}\b|\bKCT\s?\d{7}\b|\bPACTR\s?\d{15}\b|\bTCTR\s?\d{11}\b|"
    r"\bRBR-\w+|\bSLCTR/\d{4}/\d+|\bCRD\s?\d{11}\b|\bRPCEC\d+|\bREBEC\b|\bANZCTR\b",
)
_REGISTERED_HIGH = re.compile(r"retrospectively registered|not (?:been )?registered", re.I)
_ATTRITION = re.compile(
    r"drop(?:ped)?[- ]?outs?|dropped out|withdr[ae]w|withdrawn|lost to follow[- ]?up|"
    r"discontinued|completed (?:the )?(?:study|trial|treatment|follow[- ]?up|all)|"
    r"(?:retention|completion|attrition|follow-up) rate|attrition|all (?:\w+ ){0,2}"
    r"(?:patients|participants|subjects) completed",
    re.I,
)


@functools.lru_cache(maxsize=64)
def _comparators(doc: Doc) -> tuple[Comparator, ...]:
    """The comparator robot's answer, shared by the blinding and active-placebo hints."""
    return comparators.annotate(doc)


def _hint(domain: str, level: str, reason: str, sentence: Sentence | None) -> BiasHint:
    return BiasHint(domain, level, reason, None if sentence is None else sentence.text)


def _search(doc: Doc, pattern: re.Pattern[str], background: bool = False) -> Sentence | None:
    for sentence in (Sentence(doc.title, None, "TITLE"), *doc.sentences):
        if sentence.category == "BACKGROUND" and not background:
            continue
        if pattern.search(sentence.text):
            return sentence
    return None


def randomisation(doc: Doc) -> BiasHint:
    if s := _search(doc, _SEQUENCE_HIGH):
        return _hint("randomisation", "high", "non-random allocation", s)
    if s := _search(doc, _SEQUENCE_LOW):
        return _hint("randomisation", "low", "random sequence method named", s)
    return _hint("randomisation", "unclear", "randomised, method not stated", _search(doc, _RANDOM))


def concealment(doc: Doc) -> BiasHint:
    if s := _search(doc, _CONCEAL_HIGH) or _search(doc, _SEQUENCE_HIGH):
        return _hint("concealment", "high", "allocation could be foreseen", s)
    if s := _search(doc, _CONCEAL_LOW):
        return _hint("concealment", "low", "concealment method named", s)
    return _hint("concealment", "unclear", "concealment not described", None)


def _cannot_blind(doc: Doc) -> bool:
    """No placebo or sham, and a usual-care control or an intervention people can see."""
    kinds = {c.kind for c in _comparators(doc)}
    if kinds & {"placebo", "active_placebo"}:
        return False
    aim = " ".join([doc.title, *(s.text for s in doc.in_section("OBJECTIVE"))])
    return "usual_care" in kinds or bool(_UNBLINDABLE.search(aim))


def blinding_participants(doc: Doc) -> BiasHint:
    if s := _search(doc, _DOUBLE):
        return _hint("blinding_participants", "low", "participants blinded", s)
    if s := _search(doc, _OPEN):
        return _hint("blinding_participants", "high", "open or assessor-only blinding", s)
    if _search(doc, _SINGLE) or _search(doc, _ASSESSOR):
        return _hint("blinding_participants", "unclear", "who was blinded not stated", None)
    if _cannot_blind(doc):
        return _hint(
            "blinding_participants", "high", "control cannot be blinded, none claimed", None
        )
    return _hint("blinding_participants", "unclear", "blinding not stated", None)


def blinding_assessors(doc: Doc) -> BiasHint:
    if s := _search(doc, _ASSESSOR_NOT):
        return _hint("blinding_assessors", "high", "assessors not blinded", s)
    if s := _search(doc, _ASSESSOR):
        return _hint("blinding_assessors", "low", "assessors blinded", s)
    if s := _search(doc, _DOUBLE):
        return _hint("blinding_assessors", "low", "double-blind", s)
    if s := _search(doc, _OPEN):
        return _hint("blinding_assessors", "high", "open label, assessors not said blinded", s)
    return _hint("blinding_assessors", "unclear", "assessor blinding not stated", None)


def active_placebo(doc: Doc) -> BiasHint:
    drug = _search(doc, _CONSPICUOUS)
    if drug is None:
        return _hint("active_placebo", "low", "no conspicuous acute effects to unblind", None)
    kinds = {c.kind: c for c in _comparators(doc)}
    if found := kinds.get("active_placebo"):
        return BiasHint(
            "active_placebo", "low", "active placebo masks acute effects", found.sentence
        )
    if (s := _search(doc, _ANAESTHESIA)) and not _search(doc, _POSTOP):
        return _hint("active_placebo", "low", "given under anaesthesia or sedation", s)
    if found := kinds.get("placebo"):
        return BiasHint(
            "active_placebo", "high", "inert placebo; acute effects may unblind", found.sentence
        )
    if found := kinds.get("active"):
        return BiasHint(
            "active_placebo", "low", "active comparator has its own effects", found.sentence
        )
    if found := kinds.get("usual_care"):
        return BiasHint(
            "active_placebo", "high", "no dummy; acute effects may unblind", found.sentence
        )
    return _hint("active_placebo", "unclear", "comparator not stated", drug)


def itt(doc: Doc) -> BiasHint:
    if s := _search(doc, _ITT_LOW):
        return _hint("itt", "low", "intention-to-treat analysis", s)
    if s := _search(doc, _ITT_HIGH):
        return _hint("itt", "high", "per-protocol or completers analysis", s)
    return _hint("itt", "unclear", "analysis population not stated", None)


def registration(doc: Doc) -> BiasHint:
    if s := _search(doc, _REGISTERED_HIGH):
        return _hint("registration", "high", "not or retrospectively registered", s)
    if s := _search(doc, REGISTRY_ID, background=True):
        return _hint("registration", "low", "registry identifier in the text", s)
    return _hint("registration", "unclear", "no registry identifier", None)


def attrition(doc: Doc) -> BiasHint:
    s = _search(doc, _ATTRITION)
    share = attrition_share(doc)
    if share is not None:
        level = "low" if share[0] <= 0.20 else "high"
        return BiasHint("attrition", level, f"{share[0]:.0%} lost or not analysed", share[1])
    if s is not None:
        return _hint("attrition", "unclear", "attrition mentioned, share not stated", s)
    return _hint("attrition", "unclear", "attrition not stated", None)


DOMAINS: tuple[Callable[[Doc], BiasHint], ...] = (
    randomisation,
    concealment,
    blinding_participants,
    blinding_assessors,
    active_placebo,
    itt,
    registration,
    attrition,
)


def annotate(doc: Doc) -> tuple[BiasHint, ...]:
    """One hint per domain, in RobotReviewer's order."""
    return tuple(domain(doc) for domain in DOMAINS)
