"""Finding: corrections to the model's direction from what the conclusion sentence states.

Each rule reads the guide's finding section against the abstract's conclusion and only moves
the model's choice when the conclusion says the opposite in so many words. Out of fold on the
training records (halves by PMID hash; developed on A): harm looked for and not found, A 9
fixed / 0 broken, B 3 / 1; no benefit, A 6 / 1, B 1 / 1; inconclusive, A 2 / 1, B 0 / 0.
"""

from __future__ import annotations

import re

# A harm that was looked for and not found: the guide reads "no important harm found" as
# favouring the intervention (and rule 6: "no impairment" is positive).
_NO_HARM = re.compile(
    r"\b(?:"
    r"(?:(?:did|does|do|was|were|is|are) not|nor did it) (?:significantly |adversely )?"
    r"(?:increase (?:the )?(?:risk|rate|incidence)|compromise|impair|interfere with|worsen|harm|"
    r"produce (?:significant |any )?(?:adverse|harmful|deleterious|side)|"
    r"have any (?:adverse|side|harmful)|"
    r"(?:be )?associated with (?:an )?(?:increased|higher) (?:risk|rate|incidence))"
    r"|without (?:harming|compromising|impairing|increasing (?:the )?(?:risk|rate|incidence)|"
    r"(?:any )?(?:serious |significant )?(?:adverse|side) effects)"
    r"|no (?:serious |significant |major )?(?:adverse|side|harmful|deleterious) "
    r"(?:effects?|events?|reactions?)"
    r"|not compromised"
    r"|no (?:detectable |significant )?(?:negative|adverse|detrimental) (?:impact|effect)"
    r")",
    re.I,
)

# No benefit over control: the guide's `negative`.
_NO_BENEFIT = re.compile(
    r"\b(?:"
    r"no (?:statistically )?significant (?:differences?|effects?|benefit|improvement|reduction|"
    r"change)"
    r"|did not (?:significantly )?(?:differ|improve|reduce|decrease|increase|prevent|affect|alter|"
    r"change|show|enhance|lower|shorten)"
    r"|(?:was|were) not (?:superior|more effective|effective)|not superior|failed to"
    r"|no (?:additional |added |clinical |therapeutic |beneficial )?(?:benefit|effect|advantage)"
    r"|ineffective|not effective|little or no"
    r"|no (?:better|more (?:effective|useful|beneficial)) than"
    r"|(?:does|do) not (?:improve|reduce|prevent|support)"
    r"|(?:had|has) no (?:significant )?(?:effect|impact|influence)"
    r"|comparable to placebo|similar to placebo|unproven"
    r"|not (?:yet )?been (?:shown|proven|demonstrated)|not greater than|casts? doubt"
    r"|none of the (?:treatments|regimens|drugs|interventions)"
    r"|not (?:more )?(?:useful|helpful|beneficial)"
    r"|of (?:little|no|limited) (?:therapeutic |clinical )?(?:value|benefit|use)"
    r")",
    re.I,
)

# Any word of benefit left once the null phrases are taken out: a conclusion with both is not a
# plain null result, so the model's reading stands.
_BENEFIT = re.compile(
    r"\b(?:safe|safely|effective|effectiveness|efficacy|efficacious|benefits?|beneficial|positive|"
    r"immunogenic|promising|improve[sd]?|improvements?|reduced?|decreased?|superior|better|"
    r"protect(?:s|ed|ive|ion)?)\b",
    re.I,
)

# The guide's `mixed`: "the authors call the evidence inconclusive".
_INCONCLUSIVE = re.compile(
    r"\b(?:inconclusive|equivocal|insufficient evidence|remains? (?:unclear|uncertain)|"
    r"conflicting (?:results|evidence|findings))\b",
    re.I,
)


def stated_finding(predicted: str, conclusion: str) -> str:
    """The finding after reading the conclusion: ``predicted`` unless the conclusion plainly
    contradicts a positive or negative call."""
    if predicted not in ("positive", "negative") or not conclusion:
        return predicted
    if _INCONCLUSIVE.search(conclusion):
        return "mixed"
    no_harm = _NO_HARM.search(conclusion)
    rest = _NO_HARM.sub(" ", conclusion)
    no_benefit = _NO_BENEFIT.search(rest)
    if predicted == "negative":
        # A null harm result read as a null efficacy result.
        return "positive" if no_harm and not no_benefit else predicted
    if no_benefit and not _BENEFIT.search(_NO_BENEFIT.sub(" ", rest)):
        return "negative"
    return predicted
