"""What a reviewer weighs beyond the label: effects, comparators, risk-of-bias hints, spin.

One module per robot, RobotReviewer's shape: ``outcomes`` (primary outcome and time point),
``comparators``, ``effects``, ``bias`` (hints per domain) and ``spin``; each has
``annotate(doc) -> tuple[answer, ...]`` over a ``document.Doc``, and each answer carries the
sentence it came from. ``appraise.appraise(article, finding=, design=)`` runs them all.
Everything is a pure function of the record; ``evaluate`` scores the rules against the
hand-labelled set and is the only module that reads files.

GUIDE (the full text, for labellers, is docs/appraisal-labelling-guide.md):

- primary_outcome: only an outcome the abstract designates ("the primary outcome was ...",
  "... was the primary end point", a MAIN OUTCOME MEASURES section); otherwise none.
  time_point: when that outcome was assessed, if stated ("week 4", "24 hours").
- comparator kinds: placebo (inert placebo, saline, sham; background treatment plus a dummy),
  active_placebo (a drug chosen to mimic the intervention's noticeable effects, e.g. midazolam
  against ketamine), active (another treatment, dose, route or technique), usual_care (usual or
  standard care, wait-list, no treatment, background treatment alone without a dummy), none.
- effects: response_rate and remission_rate (per-arm percentages, or a stated difference),
  mean_difference, smd (incl. Hedges' g, Cohen's d), odds_ratio, risk_ratio, hazard_ratio;
  each with the CI and p stated after it. Nothing is computed: counts stay counts, two means
  never become a difference.
- bias hints, each low / unclear / high and only a hint: randomisation (method named = low,
  "randomised" alone = unclear, non-random = high); concealment (opaque sealed envelopes,
  central or pharmacy allocation = low); blinding_participants (double-blind = low, open label or
  an unblindable control with no blinding claimed = high); blinding_assessors (blinded assessors
  or double-blind = low, open label = high); active_placebo (an intervention with conspicuous
  acute effects, e.g. ketamine, against an inert placebo in awake participants = high; an
  active placebo or comparator, anaesthesia, or no conspicuous effects = low); itt (ITT or
  mITT = low, per-protocol only = high); registration (a registry id in the text = low,
  retrospective or none = high); attrition (stated and at most 20% = low, above = high).
  Not stated is always unclear.
- spin: finding negative or mixed, yet the conclusion reads favourable and does not own up to
  the null result.
"""
