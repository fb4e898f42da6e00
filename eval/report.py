"""Render a ``metrics.json`` dict as ``report.md`` and a self-contained ``report.html``.

Both reports are built from the same tables (:func:`tables`), so they show the same
numbers; the HTML one adds figures drawn with matplotlib's headless Agg backend and
embedded as base64 PNG, so the file reads offline with no other file beside it.
Nothing here computes a metric: everything comes from the metrics dict.
"""

from __future__ import annotations

import base64
import html
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Metrics = Mapping[str, Any]


# --------------------------------------------------------------------------------------
# Tables shared by both reports
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    numeric: bool = True  # right-align cells that hold numbers


def _f(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ci(value: Any, ci: Sequence[Any] | None, digits: int = 3) -> str:
    if value is None:
        return "–"
    if not ci or ci[0] is None:
        return _f(value, digits)
    return f"{value:.{digits}f} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def _signed(value: Any, ci: Sequence[Any] | None) -> str:
    if value is None:
        return "–"
    text = f"{value:+.3f}"
    if ci and ci[0] is not None:
        text += f" [{ci[0]:+.3f}, {ci[1]:+.3f}]"
    return text


def headline_table(metrics: Metrics) -> Table:
    rows = []
    for name, s in metrics["systems"].items():
        th, fo = s["themes"], s["force"]
        rows.append((
            name, _ci(th["macro_f1"], th["ci"]["macro_f1"]), _f(th["micro_f1"]), _f(th["exact_match"]),
            _ci(fo["macro_f1"], fo["ci"]["macro_f1"]), _f(fo["accuracy"]), _f(fo["quadratic_kappa"]),
            _f(fo["level_mae"]), _f(s["calibration"]["themes"]["ece"]), _f(s["calibration"]["force"]["ece"]),
        ))
    conf = int(round(100 * metrics["config"]["confidence"]))
    return Table(
        "Headline",
        ("system", f"themes macro-F1 [{conf}% CI]", "themes micro-F1", "exact match",
         f"force macro-F1 [{conf}% CI]", "force accuracy", "force QWK", "force level MAE",
         "themes ECE", "force ECE"),
        tuple(rows),
        f"Intervals: {metrics['config']['bootstrap_resamples']} bootstrap resamples of the "
        f"{metrics['data']['n_resolutions']} resolutions (whole resolutions, seed {metrics['config']['seed']}); "
        "with few resolutions they are wide and can be lopsided, since a theme often clusters in a few "
        "resolutions. QWK: quadratic-weighted Cohen's kappa; MAE: mean absolute "
        "error of the force level (0-4); ECE: expected calibration error (lower is better).",
    )


def delta_table(metrics: Metrics) -> Table | None:
    ref = metrics["main_score"]["system"]
    rows = [
        (name, _signed(s["vs_reference"]["themes.macro_f1"]["delta"], s["vs_reference"]["themes.macro_f1"]["ci"]),
         _signed(s["vs_reference"]["force.macro_f1"]["delta"], s["vs_reference"]["force.macro_f1"]["ci"]))
        for name, s in metrics["systems"].items() if "vs_reference" in s
    ]
    if not rows:
        return None
    return Table(
        f"Difference from {ref} (paired bootstrap)",
        ("system", f"themes macro-F1 − {ref}", f"force macro-F1 − {ref}"),
        tuple(rows),
        "Negative: the system scores below the reference. An interval that excludes 0 is a "
        "difference the resampling of resolutions does not explain away.",
    )


def theme_table(metrics: Metrics) -> Table:
    themes = metrics["labels"]["themes"]
    rows = []
    for name, s in metrics["systems"].items():
        for t in themes:
            p = s["themes"]["per_label"][t]
            rows.append((name, t, _f(p["precision"]), _f(p["recall"]), _ci(p["f1"], p["f1_ci"]),
                         _f(p["average_precision"]), str(p["support"]), str(p["predicted"])))
        rows.append((name, "Hamming loss", "", "", _ci(s["themes"]["hamming_loss"], s["themes"]["ci"]["hamming_loss"]), "", "", ""))
    return Table("Themes per label", ("system", "theme", "precision", "recall", "F1 [CI]", "avg. precision", "support", "predicted"), tuple(rows))


def force_table(metrics: Metrics) -> Table:
    rows = []
    for name, s in metrics["systems"].items():
        for f in metrics["labels"]["forces"]:
            p = s["force"]["per_class"][f]
            rows.append((name, f, _f(p["precision"]), _f(p["recall"]), _f(p["f1"]), str(p["support"])))
    return Table("Force per class", ("system", "force", "precision", "recall", "F1", "support"), tuple(rows))


def confusion_table(metrics: Metrics, system: str) -> Table:
    forces = metrics["labels"]["forces"]
    matrix = metrics["systems"][system]["force"]["confusion_matrix"]
    rows = tuple((forces[i],) + tuple(str(v) for v in row) for i, row in enumerate(matrix))
    return Table(f"Force confusion matrix — {system} (rows gold, columns predicted)", ("gold \\ predicted",) + tuple(forces), rows)


def breakdown_table(metrics: Metrics, by: str) -> Table:
    rows = []
    for name, s in metrics["systems"].items():
        for key, b in s["breakdowns"][by].items():
            rows.append((name, key, str(b["n"]), _f(b["themes"]["macro_f1"]), _f(b["themes"]["micro_f1"]),
                         _f(b["themes"]["exact_match"]), _f(b["force"]["accuracy"]), _f(b["force"]["macro_f1"])))
    title = "By paragraph kind" if by == "kind" else "By committee"
    return Table(title, ("system", by, "n", "themes macro-F1", "themes micro-F1", "exact match", "force accuracy", "force macro-F1"),
                 tuple(rows), "No intervals here: slices are small, so read n before reading the score. A theme that "
                 "neither occurs nor is predicted in a slice is left out of its macro-F1 (– when no theme is left).")


def data_table(metrics: Metrics) -> Table:
    d = metrics["data"]
    rows = [
        ("file", f"{d.get('path', '')} (sha256 {str(d.get('sha256', ''))[:12]}…)"),
        ("split", f"{d['split']}: {d['n_paragraphs']} paragraphs of {d['n_resolutions']} resolutions"),
        ("baselines trained on", f"{d.get('train_split')}: {d.get('n_train_paragraphs', 0)} paragraphs"),
        ("theme support", ", ".join(f"{k} {v}" for k, v in d["theme_support"].items()) + f", none {d['no_theme']}"),
        ("force support", ", ".join(f"{k} {v}" for k, v in d["force_support"].items())),
        ("kinds", ", ".join(f"{k} {v}" for k, v in d["kinds"].items())),
        ("systems", "; ".join(f"{n}: {s['description']}" for n, s in metrics["systems"].items())),
        ("timing (s)", ", ".join(f"{k} {v:.1f}" for k, v in metrics["timing_seconds"].items())),
        *(("note", note) for note in d.get("notes", [])),
        ("reproduce", metrics.get("command") or "–"),
        ("written", f"{metrics['created']} by restag {metrics['restag_version']} (LABELS.md v{metrics['label_spec_version']}, "
                    f"metrics schema v{metrics['schema_version']})"),
    ]
    return Table("Data and run", ("", ""), tuple(rows), numeric=False)


def tables(metrics: Metrics) -> list[Table]:
    """Every table of the report, in reading order."""
    out = [headline_table(metrics)]
    delta = delta_table(metrics)
    if delta:
        out.append(delta)
    out += [theme_table(metrics), force_table(metrics), confusion_table(metrics, metrics["main_score"]["system"]),
            breakdown_table(metrics, "kind"), breakdown_table(metrics, "committee"), data_table(metrics)]
    return out


def _error_systems(metrics: Metrics) -> list[str]:
    """Systems whose mistakes are listed: the reference, plus any predictions file."""
    ref = metrics["main_score"]["system"]
    return [ref] + [n for n, s in metrics["systems"].items() if n != ref and s["kind"] != "baseline"]


def _mistakes(metrics: Metrics) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(system, task, most confident mistakes) for each system with an error list, themes first."""
    for system in _error_systems(metrics):
        errors = metrics["systems"][system]["errors"]
        for task in ("themes", "force"):
            yield system, task, errors[task]


def _mistake_fields(error: Mapping[str, Any], task: str) -> tuple[str, str, str]:
    """(gold, predicted, scores) of one mistake, as text."""
    if task == "themes":
        return (f"[{', '.join(error['gold_themes'])}]", f"[{', '.join(error['predicted_themes'])}]",
                _scores(error["theme_scores"]))
    return error["gold_force"], error["predicted_force"], _scores(error["force_scores"])


def _scores(scores: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in scores.items())


def _summary(metrics: Metrics) -> str:
    ms = metrics["main_score"]
    s = metrics["systems"][ms["system"]]
    d = metrics["data"]
    return " ".join([
        f"{ms['system']} scores theme macro-F1 {_ci(s['themes']['macro_f1'], s['themes']['ci']['macro_f1'])} and force "
        f"macro-F1 {_ci(s['force']['macro_f1'], s['force']['ci']['macro_f1'])} on the {d['split']} split "
        f"({d['n_paragraphs']} paragraphs, {d['n_resolutions']} resolution{'' if d['n_resolutions'] == 1 else 's'}; {round(100 * metrics['config']['confidence'])}% intervals over resolutions).",
        *d.get("notes", []),
    ])


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table, level: int = 2) -> str:
    lines = [f"{'#' * level} {table.title}", ""]
    lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def render_markdown(metrics: Metrics) -> str:
    parts = [f"# restag evaluation — {metrics['data']['split']} split", "", _summary(metrics), ""]
    parts += [_md_table(t) + "\n" for t in tables(metrics)]
    for system, task, mistakes in _mistakes(metrics):
        if task == "themes":
            parts.append(f"## Most confident mistakes — {system}\n")
        parts.append(f"### {task}\n")
        if not mistakes:
            parts.append("None.\n")
        for e in mistakes:
            gold, predicted, scores = _mistake_fields(e, task)
            parts.append(f"- `{e['id']}` (confidence {e['confidence']:.2f}): gold {gold}, predicted {predicted} "
                         f"({scores})  \n  > {_md_cell(e['text'])}")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


# --------------------------------------------------------------------------------------
# Figures (matplotlib, Agg, base64 PNG)
# --------------------------------------------------------------------------------------

_COLORS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _err(value: float, ci: Sequence[Any]) -> tuple[float, float]:
    if not ci or ci[0] is None:
        return 0.0, 0.0
    return max(value - ci[0], 0.0), max(ci[1] - value, 0.0)


def figures(metrics: Metrics) -> list[tuple[str, str, str]]:
    """``(id, caption, base64 PNG)`` for each figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    systems = list(metrics["systems"])
    out: list[tuple[str, str, str]] = []

    # 1. Headline: both macro-F1 scores with their intervals, per system.
    fig, axes = plt.subplots(1, 2, figsize=(9, 0.55 * len(systems) + 1.4), sharey=True)
    for ax, task in zip(axes, ("themes", "force")):
        values = [metrics["systems"][s][task]["macro_f1"] for s in systems]
        errs = np.array([_err(v, metrics["systems"][s][task]["ci"]["macro_f1"]) for v, s in zip(values, systems)]).T
        y = np.arange(len(systems))
        ax.barh(y, values, xerr=errs, color=[_COLORS[i % len(_COLORS)] for i in range(len(systems))], capsize=4)
        for yi, v in zip(y, values):
            ax.text(0.02, yi, f"{v:.3f}", va="center", ha="left", color="white", fontsize=9, fontweight="bold")
        ax.set_xlim(0, 1)
        ax.set_yticks(y, systems)
        ax.invert_yaxis()
        ax.set_title(f"{task} macro-F1")
        ax.grid(axis="x", alpha=0.3)
    out.append(("fig-headline", "Macro-F1 per system with 95% bootstrap intervals (whole resolutions resampled).", _png(fig)))

    # 2. Per-theme F1 per system.
    themes = metrics["labels"]["themes"]
    fig, ax = plt.subplots(figsize=(9, 3.2))
    width = 0.8 / len(systems)
    for i, s in enumerate(systems):
        per = metrics["systems"][s]["themes"]["per_label"]
        vals = [per[t]["f1"] for t in themes]
        errs = np.array([_err(per[t]["f1"], per[t]["f1_ci"]) for t in themes]).T
        ax.bar(np.arange(len(themes)) + i * width - 0.4 + width / 2, vals, width, yerr=errs, capsize=3,
               label=s, color=_COLORS[i % len(_COLORS)])
    ax.set_xticks(np.arange(len(themes)), [f"{t} (n={metrics['data']['theme_support'][t]})" for t in themes])
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.legend(fontsize=8, ncol=len(systems), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    out.append(("fig-themes", "F1 per theme with 95% bootstrap intervals.", _png(fig)))

    # 3. Confusion matrix of the reference system, row-normalised, counts written in.
    ref = metrics["main_score"]["system"]
    forces = metrics["labels"]["forces"]
    matrix = np.array(metrics["systems"][ref]["force"]["confusion_matrix"], dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(forces)):
        for j in range(len(forces)):
            ax.text(j, i, f"{int(matrix[i, j])}", ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xticks(range(len(forces)), forces, rotation=35, ha="right")
    ax.set_yticks(range(len(forces)), forces)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"force confusion — {ref}")
    out.append(("fig-confusion", f"Force confusion matrix of {ref}: counts, shaded by share of the gold row.", _png(fig)))

    # 4. Reliability diagrams, one line per system, per task.
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, task in zip(axes, ("themes", "force")):
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
        for i, s in enumerate(systems):
            rel = metrics["systems"][s]["calibration"][task]
            pts = [(c, a, n) for c, a, n in zip(rel["confidence"], rel["accuracy"], rel["count"]) if n]
            if not pts:
                continue
            xs, ys, ns = zip(*pts)
            ax.plot(xs, ys, marker="o", color=_COLORS[i % len(_COLORS)], label=f"{s} (ECE {rel['ece']:.3f})",
                    markersize=4)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("predicted probability" if task == "themes" else "top-label probability")
        ax.set_ylabel("observed frequency" if task == "themes" else "accuracy")
        ax.set_title(f"{task} reliability")
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    out.append(("fig-reliability", "Reliability diagrams: points on the diagonal mean a score of p is right a fraction p of "
                "the time. Rules and keywords give 0/1 scores, so they have only end points.", _png(fig)))
    return out


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;
vertical-align:top}th{background:#f3f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}.note{color:#555;font-size:.85rem;max-width:900px}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.85rem}
.lead{font-size:1.05rem;background:#eef4fa;border-left:4px solid #1f4e79;padding:.6rem .8rem}
details{margin:.3rem 0;border:1px solid #e1e4e8;border-radius:4px;padding:.3rem .6rem}summary{cursor:pointer}
blockquote{margin:.4rem 0;padding-left:.8rem;border-left:3px solid #ccc;color:#333}code{font-size:.85rem}
"""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)

    def cell(value: str) -> str:
        numeric = table.numeric and (value[:1].isdigit() or value[:1] in "+-–")
        return f'<td class="num">{html.escape(value)}</td>' if numeric else f"<td>{html.escape(value)}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in table.rows)
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return f"<h2>{html.escape(table.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _html_errors(metrics: Metrics) -> str:
    parts = []
    for system, task, mistakes in _mistakes(metrics):
        if task == "themes":
            parts.append(f"<h2>Most confident mistakes — {html.escape(system)}</h2>")
        parts.append(f"<h3>{task}</h3>")
        if not mistakes:
            parts.append("<p>None.</p>")
        for e in mistakes:
            gold, predicted, scores = _mistake_fields(e, task)
            what = f"gold {gold} · predicted {predicted} · scores {scores}"
            parts.append(
                f"<details><summary><code>{html.escape(e['id'])}</code> — confidence {e['confidence']:.2f} — "
                f"{html.escape(what)}</summary><blockquote>{html.escape(e['text'])}</blockquote></details>"
            )
    return "".join(parts)


def render_html(metrics: Metrics) -> str:
    """One self-contained HTML page: tables, embedded figures, error analysis."""
    figs = {fid: (caption, data) for fid, caption, data in figures(metrics)}

    def figure(fid: str) -> str:
        caption, data = figs[fid]
        return (f'<figure id="{fid}"><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    ts = tables(metrics)
    body = [f"<h1>restag evaluation — {html.escape(metrics['data']['split'])} split</h1>",
            f'<p class="lead">{html.escape(_summary(metrics))}</p>',
            _html_table(ts[0]), figure("fig-headline")]
    for t in ts[1:]:
        body.append(_html_table(t))
        if t.title == "Themes per label":
            body.append(figure("fig-themes"))
        elif t.title.startswith("Force confusion"):
            body.append(figure("fig-confusion"))
    body.append("<h2>Calibration</h2>" + figure("fig-reliability"))
    body.append(_html_errors(metrics))
    title = f"restag evaluation — {metrics['data']['split']}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
            f"<body>{''.join(body)}</body></html>\n")
