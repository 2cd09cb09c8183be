"""Finding read from the conclusion sentence where it contradicts the model's direction."""

from __future__ import annotations

import numpy as np
import pytest

from core.article import Article
from labels.features import document
from labels.model import DEFAULT_MODEL_PATH, load_models
from labels.rules.finding import stated_finding


@pytest.mark.parametrize(
    "conclusion",
    [
        "No therapeutic effect could be demonstrated.",
        "We conclude that DSCG nasal solution used for the treatment of seasonal ragweed "
        "allergic rhinitis is relatively ineffective.",
        "It is concluded that prostatic massage is of little or no therapeutic value in the "
        "treatment of infertility.",
        "Intranasal ketamine was not superior to midazolam for procedural sedation.",
    ],
)
def test_null_benefit_conclusion_is_negative(conclusion: str) -> None:
    assert stated_finding("positive", conclusion) == "negative"


@pytest.mark.parametrize(
    "conclusion",
    [
        "In the present study, the use of an endoscope during VPS procedures did not increase "
        "the risk of surgical infection.",
        "Intrapartum exposure to parenteral opioids was not associated with an increased risk "
        "for neurodevelopmental delay up to 2 years of age.",
        "Ketamine did not impair spatial memory in adolescent rats.",
    ],
)
def test_harm_not_found_is_positive(conclusion: str) -> None:
    assert stated_finding("negative", conclusion) == "positive"


def test_inconclusive_evidence_is_mixed() -> None:
    conclusion = (
        "ILIT showed short-term benefits for seasonal allergic rhinitis. The sustained effects "
        "of ILIT were inconclusive."
    )
    assert stated_finding("positive", conclusion) == "mixed"


@pytest.mark.parametrize(
    ("predicted", "conclusion"),
    [
        # A null secondary outcome next to a stated benefit: the model's reading stands.
        (
            "positive",
            "Ketamine significantly reduced depressive symptoms at 24 hours, although it did "
            "not improve sleep quality.",
        ),
        ("positive", "Esketamine nasal spray was effective and well tolerated."),
        ("none", "No significant difference was found between the two cohorts."),
        ("negative", "Ketamine did not reduce postoperative pain scores compared with placebo."),
        ("mixed", "No significant effect on the primary outcome was seen."),
    ],
)
def test_model_reading_kept(predicted: str, conclusion: str) -> None:
    assert stated_finding(predicted, conclusion) == predicted


def test_a_finding_the_conclusion_overrules_is_left_for_a_reviewer() -> None:
    """The model reads the trial as positive; its conclusion says the drug failed: the label
    follows the words, with the model's low confidence in them, so the review queue lists it."""
    models = load_models(DEFAULT_MODEL_PATH)
    record = Article(
        pmid="1",
        title="Nasal cromoglycate for seasonal allergic rhinitis: a randomised trial",
        abstract="METHODS: 60 adults were randomised to cromoglycate or placebo for 4 weeks. "
        "CONCLUSIONS: Cromoglycate was not superior to placebo for nasal symptoms.",
    )
    docs = [document(record)]
    probs = models.probabilities(models.features(docs))
    probs["finding"] = np.array([[0.90, 0.04, 0.03, 0.03]])  # the model: positive
    labels = models.labels_from([record], docs, probs)[0]
    assert labels["finding"] == "negative"
    assert dict(labels["confidence"])["finding"] < 0.5
    assert "finding" in labels["needs_review"]
