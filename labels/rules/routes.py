"""Routes by which ketamine was given, as stated (labelling guide, ``routes``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.article import Article
from labels.rules.drug import extract_drug, mentions_ketamine
from labels.text import article_text, sentences

_ROUTE_PATTERNS: dict[str, re.Pattern[str]] = {
    "iv": re.compile(
        r"\bintravenous(?:ly)?\b|\bi\.\s?v\.|(?<!phase )(?<!grade )(?<!stage )(?<!class )(?<!type )"
        r"(?<!asa )\biv\b(?!\s*(?:grade|stage|class|phase|type))|"
        r"\bivpca\b|\binfusions?\b|\binfused\b|\bdrip\b|\btiva\b",
        re.I,
    ),
    "intranasal": re.compile(r"\bintra-?nasal(?:ly)?\b|\bnasal(?:ly)?\b|\bspravato\b", re.I),
    "oral": re.compile(
        r"\boral(?:ly)?\b(?!\s+(?:health|cavity|mucosa|surgery|antidepressant))|"
        r"\bper os\b|\bp\.o\.|\btablets?\b|\bcapsules?\b",
        re.I,
    ),
    "intramuscular": re.compile(
        r"\bintra-?muscular(?:ly)?\b|\bi\.\s?m\.|\bim\b(?= (?:ketamine|injection))", re.I
    ),
    "sublingual": re.compile(
        r"\bsub-?lingual(?:ly)?\b|\bbuccal\b|\blozenges?\b|\btroches?\b", re.I
    ),
    "subcutaneous": re.compile(r"\bsub-?cutaneous(?:ly)?\b|\bs\.c\.(?=\s)", re.I),
}
_OTHER_ROUTE = re.compile(
    r"\b(?:epidural(?:ly)?|intrathecal(?:ly)?|caudal(?:ly)?|intra-?peritoneal(?:ly)?|i\.p\.|"
    r"topical(?:ly)?|rectal(?:ly)?|intra-?articular|intra-?cerebro-?ventricular|icv|"
    r"intra-?dermal|transdermal|perineural|wound infiltration|intra-?cranial)\b",
    re.I,
)
# Drugs that a route word may name instead of ketamine ("intravenous morphine").
_OTHER_DRUG = re.compile(
    r"\b(?:morphine|fentanyl|alfentanil|remifentanil|sufentanil|opioids?|bupivacaine|ropivacaine|"
    r"lidocaine|lignocaine|midazolam|propofol|dexmedetomidine|clonidine|magnesium|"
    r"antidepressants?|ssris?|placebo|saline|paracetamol|acetaminophen|ketorolac|tramadol|"
    r"methadone|naloxone|diazepam|lorazepam|haloperidol|ondansetron|atropine|thiopent\w*|"
    r"etomidate|nitrous|sevoflurane|isoflurane|gabapentin|pregabalin|amitriptyline|"
    r"lithium|esmolol|neostigmine|meperidine|pethidine|clozapine|riluzole|memantine|"
    r"dextromethorphan|nmda antagonists?|iron|fluids?|contrast)\b",
    re.I,
)
_KET_OR_ABBR = re.compile(r"ketamin|ketalar|spravato|ketanest|\bk/m\b|\bket\b|\bkm\b", re.I)


def _route_attached_to_other(sentence: str, match: re.Match[str]) -> bool:
    """Whether the route word in ``sentence`` names another drug rather than ketamine."""
    after = sentence[match.end() : match.end() + 40]
    before = sentence[max(0, match.start() - 40) : match.start()]
    nxt = re.match(r"\W*(?:\w+\W+){0,2}?(\w[\w/-]*)", after)
    if _KET_OR_ABBR.search(after[:30]) or _KET_OR_ABBR.search(before[-25:]):
        return False
    return bool(nxt and _OTHER_DRUG.fullmatch(nxt.group(1))) or bool(
        _OTHER_DRUG.search(after[:25]) and not _KET_OR_ABBR.search(sentence)
    )


def _route_sentences(article: Article) -> Iterator[tuple[str, bool]]:
    """Yield (sentence, names ketamine) for title and abstract."""
    if article.title:
        yield article.title, bool(_KET_OR_ABBR.search(article.title))
    for s in sentences(article.abstract or ""):
        yield s, bool(_KET_OR_ABBR.search(s))


def extract_routes(article: Article, drug: str | None = None) -> tuple[str, ...]:
    """Return the routes by which ketamine was given in the study, as stated (TAXONOMY order)."""
    text = article_text(article)
    if drug is None:
        drug = extract_drug(article)[0] if mentions_ketamine(text) else "not_studied"
    if drug == "not_studied":
        return ()
    found: set[str] = set()
    if drug in ("esketamine", "several") and re.search(r"nasal spray|intranasal", text, re.I):
        found.add("intranasal")
    for sentence, names_ketamine in _route_sentences(article):
        generic = re.search(
            r"\b(?:study drugs?|the drugs?|drugs were|both drugs|all drugs|"
            r"infusions? of|the infusions?)\b",
            sentence,
            re.I,
        )
        if not names_ketamine and not generic:
            continue
        for route, pattern in _ROUTE_PATTERNS.items():
            for m in pattern.finditer(sentence):
                if route == "iv" and m.group(0).lower().startswith(("infus", "drip")):
                    # "subcutaneous/epidural infusion": the route word before wins.
                    before = sentence[max(0, m.start() - 30) : m.start()]
                    if _OTHER_ROUTE.search(before) or re.search(r"sub-?cutaneous", before, re.I):
                        continue
                if route == "intranasal" and not re.search(
                    r"nasal spray|intra-?nasal|nasally|spravato|nasal (?:ketamine|esketamine|"
                    r"administration|route|delivery)",
                    sentence,
                    re.I,
                ):
                    continue
                if _route_attached_to_other(sentence, m):
                    continue
                found.add(route)
                break
    order = ("iv", "intranasal", "oral", "intramuscular", "sublingual", "subcutaneous")
    return tuple(r for r in order if r in found)
