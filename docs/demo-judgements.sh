#!/usr/bin/env bash
# A reviewer's judgements of the demo data's candidate studies, one per claim and study, made by
# reading each study's title and abstract against the claim's wording (claims/registry.yaml).
# Replay after `make demo`:   bash docs/demo-judgements.sh [WAREHOUSE]
# Support counts these judgements only; the labels just proposed the candidates. The table of
# what they give is in README.md ("Claims").
set -euo pipefail
cd "$(dirname "$0")/.."
export EVIDENCE_DB="${1:-${EVIDENCE_DB:-warehouse/evidence.duckdb}}"
export EVIDENCE_REVIEWERS="${EVIDENCE_REVIEWERS:-reviewer@clinic.example}"
BY="${EVIDENCE_REVIEWERS%%,*}"
CLI="${KETAMINE_EVIDENCE:-.venv/bin/ketamine-evidence}"

j() {  # claim pmid verdict note
  "$CLI" claims judge "$1" "$2" "$3" --by "$BY" --note "$4"
}

# rapid-relief: depressive symptoms eased within hours to a day of a single dose
j rapid-relief 40601310 supports "Key secondary end point 24 h after the first esketamine dose: MADRS fell more than on placebo (P=.004 and .006)."

# treatment-resistant-depression: improvement after at least two failed antidepressants
j treatment-resistant-depression 40601310 supports "TRD (2+ failed antidepressants): esketamine beat placebo at day 28 (-5.1 and -6.8 MADRS)."
j treatment-resistant-depression 31166571 supports "TRD responders to esketamine: continuing it delayed relapse against placebo (randomised withdrawal)."

# suicidal-thoughts: major depression with acute suicidal thoughts, esketamine nasal spray added
# to standard care eased depressive symptoms within a day
j suicidal-thoughts 37771084 supports "Post-hoc Asian subgroup of ASPIRE I (26 vs 27, suicidal ideation with intent, plus standard care): MADRS favoured esketamine 24 h after the first dose (-3.8; no test reported)."

# chronic-pain: ketamine may relieve some kinds of long-lasting pain
j chronic-pain 8610220 supports "Fibromyalgia: IV ketamine significantly reduced pain intensity during and after the test."
j chronic-pain 8584148 supports "Central pain after spinal cord injury: continuous and evoked pain markedly reduced by ketamine."
j chronic-pain 11027905 supports "Cancer pain on morphine (neuropathic): ketamine improved analgesia, with central adverse effects."
j chronic-pain 9698948 supports "Chronic ischaemic leg pain: dose-dependent analgesia, complete relief at the highest dose."
j chronic-pain 12583865 supports "Neuropathic pain: ketamine reduced ongoing pain and hyperalgesia (cold threshold unchanged)."
j chronic-pain 11240090 supports "Post-nerve-injury neuropathic pain: ketamine infusion reduced stroking pain and the hyperalgesic area."
j chronic-pain 10680109 supports "Terminal cancer pain: epidural ketamine added to morphine lengthened analgesia (over 20 days vs 8-10)."
j chronic-pain 8628581 irrelevant "Capsaicin-evoked pain in healthy volunteers: an experimental model, not long-lasting pain."

# neuroplasticity (mechanism): nerve cells form new connections
j neuroplasticity 27062563 supports "Mice: one subanaesthetic dose restored glutamatergic synaptic function for a prolonged period."
j neuroplasticity 21867718 mixed "Mice: antidepressant-like effect without BDNF signalling; plasticity pathway not engaged as proposed."

# side-effects: nausea, dizziness, dissociation, a passing rise in blood pressure, fading within hours
j side-effects 40601310 supports "Most common adverse events: nausea 24.8%, dissociation 24.3%, dizziness 21.7%."
j side-effects 31166571 supports "Transient dysgeusia, vertigo, dissociation, somnolence and dizziness (20-27%)."
j side-effects 9698948 supports "Disturbed cognition and perception, pronounced and dose-dependent, transient."
j side-effects 8584148 supports "Dizziness the most bothersome effect (one patient); no severe effects."
j side-effects 11027905 supports "Drowsiness, confusion and an 'empty head' sensation, reversed with diazepam."
j side-effects 11240090 mixed "No significant CNS side effects at the infusion levels targeted."
j side-effects 37771084 irrelevant "Says only that no unexpected safety concerns were noted; names no effects."
j side-effects 8628581 irrelevant "Healthy volunteers, capsaicin model; reports no effects the claim names."
j side-effects 8610220 irrelevant "Fibromyalgia pain test; reports no adverse effects."
j side-effects 10680109 irrelevant "Epidural route in cancer pain; no effects of a session named."

# lasting-effects: improvement lasts weeks after a course; maintenance helps prevent return
j lasting-effects 31166571 supports "Continued esketamine after response delayed relapse against placebo."
j lasting-effects 32316080 supports "Open-label long-term study: improvement persisted through maintenance."
j lasting-effects 40601310 irrelevant "Four weeks of treatment; nothing on how long improvement lasts after a course."
j lasting-effects 37771084 irrelevant "25-day post-hoc subgroup; primary end point at day 2; nothing on durability."

# routes (practice): IV infusion (off-label) or esketamine nasal spray (approved)
j routes 40601310 supports "Esketamine given as nasal spray, twice weekly, at outpatient centres."
j routes 31166571 supports "Esketamine nasal spray with an oral antidepressant."
j routes 32316080 supports "Esketamine nasal spray with an oral antidepressant, long term."
j routes 37771084 supports "Intranasal esketamine added to standard of care."

# supervised-setting: misuse potential, hence supervision and monitoring. None of the candidates
# studies misuse, abuse or dependence.
for pmid in 37771084 40601310 31166571 34092024 32316080 10467917 8628581 8610220 11027905 \
            10548704 9698948 11498314 10680109 11240090 9755272 12837876; do
  j supervised-setting "$pmid" irrelevant "Does not study misuse, abuse or dependence of ketamine."
done
