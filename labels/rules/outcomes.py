"""The outcome the classifier cannot learn: suicidality, seven times in the labelled corpus.

TAXONOMY.md: ``suicidality`` where suicidal ideation or behaviour is itself measured. The
corpus's labellers gave it to studies of an effect (a trial, a meta-analysis of prevention, a
drug's risks) whose title or objective names it, never to surveys of who has suicidal thoughts;
the rule reads it the same way, from the study's own words.
"""

from __future__ import annotations

import re

from core.article import OUTCOMES

# not "non-suicidal self-injury" (self-harm without suicidal intent) nor "assisted suicide"
_SUICIDAL = re.compile(r"(?<!non-)(?<!non)(?<!assisted )suicid")


def with_suicidality(
    outcomes: tuple[str, ...], title: str, aim: str, finding: str
) -> tuple[str, ...]:
    """``outcomes`` plus ``suicidality`` for a study of an effect that targets it."""
    if "suicidality" in outcomes or finding == "none":
        return outcomes
    if _SUICIDAL.search(title) is None and _SUICIDAL.search(aim) is None:
        return outcomes
    return tuple(o for o in OUTCOMES if o in outcomes or o == "suicidality")
