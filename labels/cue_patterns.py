"""The cue patterns the features count: TAXONOMY.md's wording of designs, findings and topics.

Data only. ``labels.features`` matches each vocabulary pattern once against a fitted vocabulary;
the condition names (and ``labels.text`` the condition mentions) are matched against each
document's own text.
"""

from __future__ import annotations

# Cues from TAXONOMY.md's wording. Each pattern is matched once against a fitted vocabulary, not
# against every document: a cue's value is the number of its vocabulary terms (words and word
# pairs) present in the document's view, so a batch needs one sparse product per view.
CUES: tuple[tuple[str, str, str], ...] = (
    ("t_meta", "title", r"meta-analy|metaanaly|systematic review|scoping review|umbrella review"),
    (
        "a_meta",
        "text",
        r"meta-analy|systematic review|scoping review|prisma|searched|databases|"
        r"^medline|^embase|cochrane|included studies|eligible studies",
    ),
    # (not "non-randomised", nor people "randomly selected" for a survey)
    (
        "t_rct",
        "title",
        r"(?<!non)(?<!non-)randomi[sz]|randomly(?! (?:selected|sampled|chosen))|"
        r"placebo-controlled|double-blind|crossover",
    ),
    (
        "a_random",
        "text",
        r"(?<!non)(?<!non-)randomi[sz]|randomly(?! (?:selected|sampled|chosen))",
    ),
    ("a_blind", "text", r"double-blind|placebo|sham|cross-?over|blinded"),
    (
        "open_label",
        "text",
        r"open-label|single-arm|non-randomi|nonrandomi|pilot|feasibility|"
        r"uncontrolled|quasi-experimental|pre-post|single-group|^phase",
    ),
    (
        "observational",
        "text",
        r"retrospective|cohort|cross-sectional|case-control|registry|"
        r"survey|questionnaire|chart review|database|claims|prevalence|"
        r"association|associated with|longitudinal|nationwide",
    ),
    ("case", "text", r"case report|we report|we describe|we present|year-old|case series"),
    ("t_case", "title", r"case report|case of|case series"),
    (
        "animal",
        "text",
        r"\b(?:rats?|mice|mouse|murine|rodents?|zebrafish|monkeys?|rabbits?|dogs?|"
        r"pigs?|sheep|primates?|wistar|sprague-dawley|c57bl|animals?)\b|in vitro|"
        r"cell line",
    ),
    (
        "human",
        "text",
        r"\b(?:patients?|participants?|volunteers?|women|men|children|adults?|"
        r"adolescents?|individuals|people)\b",
    ),
    (
        "review",
        "text",
        r"^review$|this article|we discuss|overview|perspective|commentary|"
        r"editorial|guideline|consensus|narrative|this review|we review",
    ),
    ("t_protocol", "title", r"protocol|rationale and design|study design"),
    (
        "qualitative",
        "text",
        r"qualitative|interviews?$|focus groups?|(?<!ma)thematic|grounded theory",
    ),
)
FINDING_CUES: tuple[tuple[str, str, str], ...] = (
    (
        "negative",
        "conclusion",
        r"^no significant|^no difference|^no effect|^no benefit|did not|"
        r"not significantly|not superior|not effective|failed to|"
        r"no evidence|ineffective|does not|lack of|unable to|^no$|^not$",
    ),
    (
        "positive",
        "conclusion",
        r"(?<!in)effective|improv|reduc|significant|benefit|superior|^safe|"
        r"well tolerated|efficacious|promising|support",
    ),
    (
        "mixed",
        "conclusion",
        r"however|but not|although|inconclusive|mixed|transient|^some$|"
        r"partial|limited|further studies|further research",
    ),
)
# How the conclusion and the abstract word the main result, per phrase family (the guide's
# "did not differ", "no significant", "failed to", "comparable to placebo", "non-inferior"):
# matched on the views' word pairs, for the direction model.
PHRASES: tuple[tuple[str, str], ...] = (
    (
        "neg_verb",
        r"^(?:did|does|do|was|were) not$|^not (?:differ|improve|reduce|change|affect|"
        r"alter|increase|decrease|prevent|show|result|lead|produce|enhance|influence)",
    ),
    (
        "neg_no_effect",
        r"^no (?:statistically|significant|difference|differences|effect|effects|"
        r"improvement|change|changes|reduction|benefit|increase|decrease|better|advantage|"
        r"evidence|association|clinical|additional)$",
    ),
    ("neg_not_significant", r"^not (?:statistically|significant|significantly)$|^nonsignificant"),
    ("neg_failed", r"^failed to$|^fail to$|^failed$|^unable to$"),
    (
        "neg_like_control",
        r"^(?:comparable|similar) (?:to|with)$|^not superior$|^no better$|"
        r"^similar$|^comparable$|^ineffective$|^not effective$|^lack of$",
    ),
    (
        "pos_significant",
        r"^significantly (?:improv|reduc|decreas|increas|better|greater|lower|"
        r"higher|superior|attenuat|prevent)",
    ),
    (
        "pos_effective",
        r"^(?:is|was|were|are) (?:effective|efficacious|superior|safe)$|"
        r"^effective$|^efficacious$|^superior$",
    ),
    ("pos_tolerated", r"^well(?:-| )tolerated$|^safe and$|^and effective$|^safe$"),
    ("pos_noninferior", r"^non-?inferior|^not inferior$|^equivalent$|^noninferiority$"),
    (
        "pos_verb",
        r"^(?:improved|reduced|decreased|attenuated|prevented|alleviated|reversed|"
        r"ameliorated|enhanced|protected)$",
    ),
    ("pos_promising", r"^promising$|^beneficial$|^potential (?:therapeutic|treatment)$"),
    ("mix_contrast", r"^however$|^but not$|^although$|^whereas$"),
    (
        "mix_inconclusive",
        r"^inconclusive$|^mixed$|^inconsistent$|^conflicting$|^unclear$|"
        r"^insufficient$",
    ),
    ("mix_transient", r"^transient$|^only (?:at|in|for|on)$|^short-lived$|^transiently$"),
    (
        "mix_further",
        r"^further (?:studies|research|trials|investigation)$|^larger "
        r"(?:studies|trials)$|^warrant",
    ),
    ("mix_hedge", r"^may$|^might$|^could$|^suggest|^preliminary$|^pilot$"),
    ("mix_limited", r"^limited$|^low-quality$|^modest$|^small$"),
    (
        "harm",
        r"^(?:adverse|toxic|toxicity|harm|harmful|deficits?|impair(?:s|ed|ment)?|"
        r"neurotoxic|damage|induced)$|^risk of$|^increased risk$",
    ),
    (
        "intervention",
        r"^(?:treated|treatment|therapy|administ\w+|received|infusion|doses?|"
        r"dosing|placebo|randomized|trial|intervention|efficacy|supplementation|injection|surgery|"
        r"procedure|program|vaccine)$",
    ),
    ("compared", r"^versus$|^vs$|^compared (?:with|to)$|^control group$"),
    (
        "none_association",
        r"^associated with$|^association$|^prevalence$|^correlat|^predict|"
        r"^risk factors?$",
    ),
    ("none_protocol", r"^protocol$|^we will$|^will be$"),
    (
        "none_psychometric",
        r"^reliab|^validity$|^psychometric|^diagnostic accuracy$|"
        r"^sensitivity and$",
    ),
    ("none_review", r"^we review$|^this review$|^overview$|^we discuss$|^discussed$"),
)
DIRECTION_CUES: tuple[tuple[str, str, str], ...] = tuple(
    (f"{view}_{name}", view, pattern)
    for view in ("conclusion", "text")
    for name, pattern in PHRASES
)
# Topics per condition and outcome; a condition counts where it is the study's target.
TOPICS: tuple[tuple[str, str], ...] = (
    (
        "depression",
        # not bipolar disorder in general (the guide: only bipolar depression, read by depress)
        r"depress|antidepress|^mdd$|^trd$|dysthymi|mood disorder|melanchol|"
        r"anhedoni|forced swim|tail suspension|learned helplessness",
    ),
    # (word starts where a longer word holds the stem: "hispanic", "tympanic", "hydrophobic")
    ("anxiety", r"anxi|(?<![a-z])panic|(?<!hydro)(?<!por)phobi|^gad$|elevated plus|worry"),
    (
        "ptsd",
        r"post-?traumatic|^ptsd|^ptss|^trauma|acute stress disorder|fear memory|"
        r"fear extinction|fear conditioning",
    ),
    (
        "chronic_pain",
        r"chronic pain|neuralgi|neuropath(?:y|ic)|fibromyalg|migraine|headache|"
        r"complex regional|^crps$|causalgia|phantom|back pain|cancer pain|"
        r"intractable pain|refractory pain|osteoarthriti|central pain|allodynia|"
        r"persistent pain|chronic \w+ pain|chronic non-",
    ),
    (
        "acute_pain",
        r"postoperative|post-operative|surgery|surgical|procedural|anesthesia|"
        r"sedation|emergency department|labou?r pain|acute pain|analgesia",
    ),
    (
        "efficacy",
        r"efficacy|effective|improv|reduc(?!tase)|response|remission|(?<!a)symptom|(?<!under)score|"
        r"relief|"
        r"quality of|antidepressant-like|anxiolytic-like|outcomes?$",
    ),
    ("suicidality", r"suicid"),
    (
        "safety",
        r"adverse|side effects?|side-effects?|safety|^safe$|tolerab|dissociat|"
        r"blood pressure|heart rate|hemodynamic|abuse|misuse|toxic|impair|deficit|"
        r"(?<!chole)cystitis|hallucinat|nausea|vomit|psychotomimetic|(?<!p)harm|^risk",
    ),
    (
        "durability",
        r"long-term|maintenance|relapse|follow-up|sustained|durab|persist|lasting|"
        r"repeated|weeks after|^months$|prolonged",
    ),
    (
        "mechanism",
        r"mechanism|biomarker|receptor|signal|neuroimag|fmri|^mri$|bdnf|mtor|synap|"
        r"plasticity|^genes?$|expression|pathway|glutamat|^gaba(?!pentin)|^eeg$|connectivity|"
        r"inflammat|cytokine|metabol|neuron|cortex|hippocamp",
    ),
    (
        "intervention",
        r"(?<!mal)treat|therap|intervention|administ(?!rative)|infusion|^dose|^drug|"
        r"(?<![a-z])trial|clinicaltrials|program",
    ),
)
# The names of each condition as TAXONOMY.md gives them, matched in each document's own
# (normalised) title, objective, conclusion and text. Vocabulary cues miss a name too rare to
# be kept as a term ("fibromyalgia" in six labelled titles), and a condition's name in the title
# or the objective is what makes it the study's target.
CONDITION_NAMES: tuple[tuple[str, str], ...] = (
    (
        "depression",
        r"\bdepress(?:ion|ive|ed (?:patients|mood|adults|individuals|subjects|women|men|"
        r"participants|outpatients|inpatients|mothers|adolescents|children|elderly))|"
        r"antidepress|\bmdd\b|\btrd\b|dysthymi|anhedoni|melanchol|forced swim|tail suspension|"
        r"learned helplessness|mood disorder",
    ),
    (
        "anxiety",
        r"anxiety disorder|generali[sz]ed anxiety|social anxiety|panic disorder|\bphobi|"
        r"anxiolytic|anxiety symptoms|anxious|\bgad\b|anxiety-like",
    ),
    (
        "ptsd",
        r"post-?traumatic stress|\bptsd\b|\bptss\b|acute stress disorder|fear extinction|"
        r"trauma-related|combat veterans",
    ),
    (
        "chronic_pain",
        r"chronic (?:[\w-]+ ){0,2}pain|fibromyalg|neuralgi|neuropathic pain|complex regional|"
        r"\bcrps\b|phantom limb|migraine|cancer pain|osteoarthriti|"
        r"(?:persistent|refractory|intractable|long-standing) (?:[\w-]+ )?pain|"
        r"chronic (?:headache|low back)|cluster headache|tension-type|vulvodynia|dysmenorrh|"
        r"temporomandibular|painful (?:diabetic )?(?:poly)?neuropathy|radiculopath|sciatica|"
        r"chronic post-?surgical|post-?mastectomy pain|whiplash|coccydynia",
    ),
)
# The words that mention depression or anxiety in their clinical sense, once ``normalise`` has
# renamed the physiological ones: wider than the names above (a scale, "mood"), since a study
# that never mentions one cannot have it as its target (``labels.text.named_conditions``).
CONDITION_MENTIONS: dict[str, str] = {
    "depression": r"depress|\bmdd\b|\btrd\b|dysthymi|mood disorder|melanchol|anhedoni|forced swim|"
    r"tail suspension|learned helplessness|\bmood\b|\bhamd?\b|\bmadrs\b|\bphq|\bbdi\b",
    "anxiety": r"anxi|(?<![a-z])panic|(?<!hydro)(?<!por)phobi|\bgad\b|elevated plus|\bworry|"
    r"light-dark|open field|\bstai\b",
}
# Literal stems, one of which every match of a condition's names contains: a document holding
# none of them skips that condition's (slower) pattern. tests/test_condition_names.py checks it.
CONDITION_STEMS: dict[str, tuple[str, ...]] = {
    "depression": (
        "depress",
        "mdd",
        "trd",
        "dysthym",
        "anhedon",
        "melanch",
        "forced swim",
        "tail susp",
        "helpless",
        "mood disorder",
    ),
    "anxiety": ("anxi", "panic", "phobi", "gad"),
    "ptsd": ("traum", "ptsd", "ptss", "acute stress", "fear ext", "combat"),
    "chronic_pain": (
        "pain",
        "fibromy",
        "neuralg",
        "regional",
        "crps",
        "phantom",
        "migrain",
        "osteoarth",
        "headache",
        "low back",
        "tension-type",
        "vulvod",
        "dysmen",
        "temporomand",
        "radicul",
        "sciatic",
        "surgical",
        "whiplash",
        "coccyd",
    ),
}
