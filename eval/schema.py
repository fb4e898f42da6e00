"""The ``metrics.json`` schema of ``restag eval`` (name ``restag.eval.metrics``, version 1).

A change that removes or renames a field, or changes a field's meaning, bumps
:data:`SCHEMA_VERSION`; adding a field does not. All scores are fractions in [0, 1] unless
said otherwise; ``null`` marks a value that is undefined (e.g. average precision of a label
without positive support, kappa when every paragraph has one class, the F1 of a label that
neither occurs nor is predicted — such a label is left out of macro averages, as with
scikit-learn's ``zero_division=np.nan``). Confidence intervals
are ``[low, high]`` percentile intervals of a bootstrap that resamples whole resolutions
(by ``symbol``) with replacement; every system is scored on the *same* resamples.

Top level::

    schema              "restag.eval.metrics"
    schema_version      1
    restag_version      version of restag that wrote the file
    label_spec_version  LABELS.md version of the label names ("1.2")
    created             UTC time, ISO 8601
    command             the `restag eval` command line that reproduces the run ("" if unknown)
    main_score          {name: "themes.macro_f1", system, value} — the headline number
    data                {path, sha256, split, train_split, n_train_paragraphs, notes[str], n_paragraphs,
                         n_resolutions, theme_support{theme: n}, no_theme, force_support{force: n},
                         kinds{preambular, operative}, committees{name: n}}
    config              {bootstrap_resamples, bootstrap_unit, seed, confidence,
                         calibration_bins, n_errors}
    labels              {themes: [...], forces: [...]} — column orders used below
    timing_seconds      {model_load, <system>: seconds to fit/predict, scoring, total}
    systems             {<name>: SYSTEM} — "model", "predictions:<file stem>", "rules",
                        "tfidf-logreg"

SYSTEM::

    kind          "model" | "predictions" | "baseline"
    description   one line; source: model path or predictions file; seconds
    themes        micro_f1, macro_f1, exact_match, hamming_loss,
                  ci{macro_f1, micro_f1, exact_match, hamming_loss: [low, high]},
                  per_label{theme: {precision, recall, f1, support, predicted,
                                    average_precision (null without support), f1_ci}}
    force         accuracy, macro_f1 (over classes present in gold or predictions),
                  quadratic_kappa (levels 0-4), level_mae (mean |gold level - predicted level|),
                  ci{accuracy, macro_f1, quadratic_kappa, level_mae: [low, high]},
                  per_class{force: {precision, recall, f1, support}},
                  confusion_matrix [gold level][predicted level] (5 x 5 counts)
    calibration   {themes, force}: {ece, n, bin_edges[11], confidence[10], accuracy[10],
                  count[10]} — reliability diagram; themes: every (paragraph, theme) score
                  against whether the theme is gold; force: top probability against whether
                  the top label is gold
    breakdowns    kind{preambular, operative} and committee{name}: {n,
                  themes{macro_f1, micro_f1, exact_match}, force{accuracy, macro_f1}}
                  (no CIs; small slices are noisy — read n)
    errors        {themes, force}: most confident mistakes first, each {id, symbol, kind,
                  text, confidence, gold_themes, predicted_themes, theme_scores,
                  gold_force, predicted_force, force_scores}; for themes the confidence is
                  the score behind the wrongest decision (score of a false theme, 1 - score
                  of a missed one), for force the top probability
    vs_reference  (every system but the reference) {"themes.macro_f1", "force.macro_f1":
                  {delta: this - reference, ci: paired bootstrap interval of the delta}}
"""

from __future__ import annotations

SCHEMA_NAME = "restag.eval.metrics"
SCHEMA_VERSION = 1
#: The headline score of an evaluation: theme macro-F1 of the reference system.
MAIN_SCORE = "themes.macro_f1"
