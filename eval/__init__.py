"""restag.eval: score models, predictions files and baselines against gold labels.

- :mod:`restag.eval.metrics` — the metric math (counts, scores, calibration, bootstrap);
- :mod:`restag.eval.evaluate` — runs systems on gold and returns an ``EvaluationResult``;
- :mod:`restag.eval.schema` — the documented, versioned ``metrics.json`` schema;
- :mod:`restag.eval.report` — ``report.md`` and the self-contained ``report.html``;
- :mod:`restag.eval.cli` — ``restag eval``.
"""
