"""ReportData -> one self-contained HTML page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import json
from html import escape

import numpy as np

from mlwright.report.charts import COLORS, Series, bar_chart, heatmap, histogram, xy_chart
from mlwright.report.collect import ReportData, RunNode
from mlwright.time_use import TimeUse

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;
color:#111827;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;font-size:.9em}td,th{padding:4px 8px;border-bottom:1px solid
#e5e7eb;text-align:left;vertical-align:top}th{background:#f9fafb}
.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#6b7280}
.ok{color:#15803d}.failed,.abandoned{color:#b91c1c}.cancelled{color:#a16207}
pre{background:#f3f4f6;padding:8px;overflow:auto;max-height:360px;font-size:.8em}
.tree ul{list-style:none;padding-left:22px;border-left:1px dashed #d1d5db;margin:0}
.tree>ul{border-left:none;padding-left:0}.tree li{margin:2px 0}
summary{cursor:pointer}.tag{display:inline-block;border-radius:4px;padding:0 5px;font-size:.8em;
background:#e5e7eb;margin-right:4px}.tag.draft{background:#dbeafe}.tag.debug{background:#fee2e2}
.tag.tune{background:#dcfce7}.tag.improve{background:#f3e8ff}.charts{display:flex;flex-wrap:wrap;
gap:16px}.tick{font-size:10px;fill:#4b5563}.label{font-size:11px;fill:#111827}
.params{font-family:ui-monospace,monospace;font-size:.8em;max-width:420px;word-break:break-all}
"""


def render(data: ReportData) -> str:
    spec = data.spec
    sections = [
        f"<h1>mlwright run: {escape(spec.name)}</h1>",
        f'<p class="muted">{escape(str(data.run_dir))} · brain {escape(data.brain)} · '
        f'{data.elapsed:.1f}s of a {data.budget_seconds:.0f}s budget · '
        f'{"finished" if data.finished else "not finished (killed or running)"}</p>',
        _summary(data), _task(data), _leaderboard(data), _ensemble(data), _tree(data),
        _progress(data), _costs(data), _diagnostics(data),
    ]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>mlwright report: {escape(spec.name)}</title><style>{CSS}</style></head>'
            f'<body>{"".join(sections)}</body></html>')


def _fmt(value, digits: int = 5) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return escape(str(value))


def _summary(data: ReportData) -> str:
    best = data.submissions[-1][1] if data.submissions else None
    members = ", ".join(f"{escape(r)} × {w:.2f}" for r, w in data.weights.items()) or "none"
    fmt = "valid: columns, rows and ids match the sample submission" if not data.format_check \
        else "PROBLEMS: " + "; ".join(escape(p) for p in data.format_check)
    return (f"<h2>Result</h2><table><tr><th>validation {escape(data.spec.metric)}</th>"
            f"<td>{_fmt(best)} ({escape(data.spec.direction)} is better)</td></tr>"
            f"<tr><th>ensemble</th><td>{members}</td></tr>"
            f"<tr><th>submission format</th><td>{fmt}</td></tr>"
            f"<tr><th>runs</th><td>{len(data.nodes)} in {len(data.candidates)} candidates"
            f"</td></tr><tr><th>isolation</th><td>{_isolation(data)}</td></tr></table>")


def _isolation(data: ReportData) -> str:
    """How candidate code was contained, and any run whose files changed behind the harness."""
    seen = data.isolation
    if not seen:
        text = "not recorded (a run from before the jail)"
    elif seen.get("jailed"):
        text = "jailed (bubblewrap): own PID and network namespaces, inputs read-only"
    else:
        text = f"NO JAIL: {escape(str(seen.get('reason')))}; weaker sandbox"
    if data.tampered:
        text += f"; predictions changed after scoring: {escape(', '.join(data.tampered))}"
    return text


def _task(data: ReportData) -> str:
    spec, profile, folds = data.spec, data.profile, data.folds
    rows = [("target", spec.target), ("task type", spec.task_type),
            ("metric", f"{spec.metric} ({spec.direction} is better)"),
            ("submission", f"{spec.submission_kind}: {', '.join(spec.submission_columns)}"),
            ("id column", spec.id_column or "–"), ("time", spec.time.label if spec.time else "–"),
            ("validation", f"{folds.get('scheme', '?')}, {folds.get('n_folds', '?')} fold(s): "
                           f"{folds.get('reason', '')}"),
            ("rows", f"{profile.train_rows} train, {profile.test_rows} test")]
    if spec.classes:
        rows.append(("classes", ", ".join(spec.classes[:30])))
    if profile.class_balance:
        rows.append(("class balance", ", ".join(f"{k}: {v:.1%}"
                                                for k, v in list(profile.class_balance.items())[:30])))
    if profile.leaks:
        rows.append(("leak suspects", ", ".join(profile.leaks)))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    decided = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(d.value or '–')}</td><td>{escape(d.source)}</td>"
        f"<td>{escape(d.confidence)}</td><td class=\"muted\">{escape(d.why)}</td></tr>"
        for name, d in spec.decisions.items())
    if decided:
        table += ("<tr><th colspan=\"2\">where each decision came from</th></tr><tr><td "
                  "colspan=\"2\"><table><tr><th>decision</th><th>value</th><th>source</th>"
                  f"<th>confidence</th><th>why</th></tr>{decided}</table></td></tr>")
    notes = "".join(f"<li>{escape(n)}</li>" for n in [*spec.found, *spec.notes, *profile.notes])
    columns = "".join(
        f"<tr><td>{escape(c.name)}</td><td>{escape(c.kind)}</td><td>{escape(c.dtype)}</td>"
        f'<td class="num">{c.missing_fraction:.1%}</td><td class="num">{c.distinct}</td>'
        f'<td class="muted">{escape(", ".join(c.examples[:3]))[:80]}</td></tr>'
        for c in profile.columns)
    return (f"<h2>Task as understood</h2><table>{table}</table>"
            f"<details><summary>How each decision was made "
            f"({len(spec.found) + len(spec.notes) + len(profile.notes)} notes)</summary>"
            f"<ul>{notes}</ul></details>"
            f"<details><summary>Data profile ({len(profile.columns)} columns)</summary><table>"
            f"<tr><th>column</th><th>kind</th><th>dtype</th><th>missing</th><th>distinct</th>"
            f"<th>examples</th></tr>{columns}</table></details>")


def _leaderboard(data: ReportData) -> str:
    board = data.leaderboard
    if board.empty:
        return "<h2>Leaderboard</h2><p>No candidate finished a run.</p>"
    plans = {c.candidate_id: c.rationale for c in data.candidates}
    rows = []
    for _, row in board.iterrows():
        status = str(row.get("status", ""))
        rows.append(
            f'<tr id="lb-{escape(str(row["candidate"]))}"><td>{escape(str(row["candidate"]))}</td>'
            f"<td>{escape(str(row['recipe']))}</td><td class=\"{escape(status)}\">"
            f"{escape(status)}</td>"
            f'<td class="num">{_fmt(_num(row.get("score")))} ± {_fmt(_num(row.get("fold_std")), 2)}'
            f'</td><td class="num">{_fmt(_num(row.get("runs")))}</td>'
            f'<td class="num">{_fmt(_num(row.get("seconds")), 4)}</td>'
            f'<td class="num">{_fmt(_num(row.get("ensemble_weight")), 3)}</td>'
            f'<td class="muted">{escape(plans.get(row["candidate"], ""))}</td>'
            f'<td class="params">{escape(str(row.get("params", "")))}</td></tr>')
    return ("<h2>Leaderboard</h2><table><tr><th>candidate</th><th>recipe</th><th>status</th>"
            "<th>validation score ± fold std</th><th>runs</th><th>seconds</th><th>weight</th>"
            f"<th>plan</th><th>best parameters</th></tr>{''.join(rows)}</table>")


def _num(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _ensemble(data: ReportData) -> str:
    if not data.weights:
        return ""
    recipe = {n.run_id: f"{n.candidate_id} {n.recipe}" for n in data.nodes}
    items = sorted(((f"{r} ({recipe.get(r, r)})", w) for r, w in data.weights.items()),
                   key=lambda item: -item[1])
    return "<h2>Final ensemble</h2>" + bar_chart(items, "weight", "ensemble weights")


def _tree(data: ReportData) -> str:
    children: dict[str | None, list[RunNode]] = {}
    for node in data.nodes:
        children.setdefault(node.parent, []).append(node)
    views = {c.candidate_id: c for c in data.candidates}

    def branch(parent: str | None) -> str:
        items = []
        for node in children.get(parent, []):
            items.append(f"<li>{_node(node, views.get(node.candidate_id))}{branch(node.run_id)}"
                         "</li>")
        return f"<ul>{''.join(items)}</ul>" if items else ""

    legend = ('<p class="muted">Each run grew from its parent: <span class="tag draft">draft'
              '</span> a new candidate, <span class="tag debug">debug</span> a fix after a '
              'failure, <span class="tag tune">tune</span> new parameters from the best run so '
              'far, <span class="tag improve">improve</span> a refinement of the best. '
              'Click a run for its plan, parameters, code history and log.</p>')
    return f'<h2>Search tree</h2>{legend}<div class="tree">{branch(None)}</div>'


def _node(node: RunNode, view) -> str:
    score = f"{node.score:.5g}" if node.score is not None else node.error or node.status
    changed = json.dumps(node.params_changed, default=str) if node.params_changed else ""
    body = [f"<p><b>{escape(node.run_id)}</b> of {escape(node.candidate_id)} "
            f"({escape(node.recipe)}), {escape(node.action)}, {node.seconds:.1f}s, "
            f"started at {node.started:.1f}s, rows used {node.row_fraction:.0%}"
            f"{', on ' + escape(node.host) if node.host else ''}</p>"]
    if view is not None and node.action == "draft":
        body.append(f"<p><b>plan</b>: {escape(view.rationale)}</p>")
    body.append(f'<p><b>parameters</b>: <span class="params">'
                f'{escape(json.dumps(node.params, default=str))}</span></p>')
    if changed:
        body.append(f'<p><b>changed from {escape(node.parent or "")}</b>: '
                    f'<span class="params">{escape(changed)}</span></p>')
    if node.error:
        body.append(f"<p><b>error</b>: {escape(node.error)}</p>")
    if view is not None and view.history and node.action in ("draft", "debug"):
        body.append(f"<details><summary>code history of {escape(view.candidate_id)}</summary>"
                    f"<pre>{escape(view.history)}</pre></details>")
    if node.log_tail:
        body.append(f"<details><summary>log tail</summary><pre>{escape(node.log_tail)}</pre>"
                    "</details>")
    return (f'<details id="run-{escape(node.run_id)}"><summary><span class="tag '
            f'{escape(node.action)}">{escape(node.action)}</span>{escape(node.run_id)} '
            f'{escape(node.candidate_id)} {escape(node.recipe)} · '
            f'<span class="{escape(node.status)}">{escape(str(score))}</span>'
            f'{" · " + escape(changed[:90]) if changed else ""}</summary>'
            f'{"".join(body)}</details>')


def _progress(data: ReportData) -> str:
    higher = data.spec.direction == "higher"
    scored = sorted((n for n in data.nodes if n.score is not None and n.finished is not None),
                    key=lambda n: n.finished)
    every = Series("every run", [(n.finished, n.score) for n in scored], COLORS[6], "dots",
                   [f"{n.run_id} {n.recipe} {n.action}: {n.score:.5g}" for n in scored])
    best, running = [], None
    for node in scored:
        if running is None or (node.score > running if higher else node.score < running):
            running = node.score
        best.append((node.finished, running))
    # The constant submission of the first second would squash the scale: the published line
    # starts where it is within the range the runs span.
    worst = min((n.score for n in scored), default=None) if higher else \
        max((n.score for n in scored), default=None)
    shown = [(t, v) for t, v in data.submissions
             if worst is None or (v >= worst if higher else v <= worst)]
    published = Series("published ensemble", shown, COLORS[1], "step")
    chart = xy_chart([every, Series("best single run", best, COLORS[0], "step"), published],
                     "seconds since start", f"validation {data.spec.metric}",
                     title="score over time")
    return f"<h2>Score over time</h2>{chart}"


def _time_table(use: TimeUse) -> str:
    """Wall seconds, and how the slots used them: the harness's share is what no slot used."""
    def share(seconds: float) -> str:
        return f" ({seconds / use.wall_s:.0%} of the wall time)" if use.wall_s > 0 else ""

    rows = [("wall seconds", f"{use.wall_s:.1f} on {use.slots} slot(s)"),
            ("slot-seconds in candidate runs", f"{sum(use.by_recipe.values()):.1f}"),
            ("slot-seconds in preparation steps", f"{use.preparing_s:.1f}"),
            ("idle slot-seconds", f"{use.idle_slot_s:.1f}"),
            ("seconds with no run in flight", f"{use.outside_s:.1f}{share(use.outside_s)}"),
            ("harness CPU seconds", "–" if use.harness_cpu_s is None
             else f"{use.harness_cpu_s:.1f}{share(use.harness_cpu_s)}")]
    body = "".join(f'<tr><th>{name}</th><td class="num">{escape(value)}</td></tr>'
                   for name, value in rows)
    return f"<table>{body}</table>"


def _costs(data: ReportData) -> str:
    by_candidate: dict[str, float] = {}
    by_action: dict[str, float] = {}
    for node in data.nodes:
        key = f"{node.candidate_id} {node.recipe}"
        by_candidate[key] = by_candidate.get(key, 0.0) + node.seconds
        by_action[node.action] = by_action.get(node.action, 0.0) + node.seconds
    parts = ['<h2>Where the time went</h2>', _time_table(data.time), '<div class="charts">',
             bar_chart(sorted(by_candidate.items(), key=lambda i: -i[1]), "seconds of runs",
                       "seconds per candidate"),
             bar_chart(sorted(by_action.items(), key=lambda i: -i[1]), "seconds of runs",
                       "seconds per role", COLORS[2]), "</div>"]
    if data.usage:
        totals: dict[str, dict[str, float]] = {}
        for call in data.usage:
            role = totals.setdefault(call.get("role", "?"), {"calls": 0, "tokens": 0, "cost": 0})
            role["calls"] += 1
            role["tokens"] += call.get("input_tokens", 0) + call.get("output_tokens", 0)
            role["cost"] += call.get("cost", 0.0)
        rows = "".join(f'<tr><td>{escape(r)}</td><td class="num">{int(t["calls"])}</td>'
                       f'<td class="num">{int(t["tokens"])}</td><td class="num">'
                       f'{t["cost"]:.4f}</td></tr>' for r, t in totals.items())
        parts.append("<h3>Model calls</h3><table><tr><th>role</th><th>calls</th><th>tokens</th>"
                     f"<th>cost (USD)</th></tr>{rows}</table>")
    else:
        parts.append('<p class="muted">Built-in brain: no language-model calls, no tokens, no '
                     "cost.</p>")
    return "".join(parts)


def _diagnostics(data: ReportData) -> str:
    parts = ['<h2>Validation diagnostics of the final ensemble</h2><div class="charts">']
    y, oof = data.y, data.oof
    if y is None or oof is None:
        parts.append('<p class="muted">No model ensemble was published.</p>')
    elif data.spec.task_type == "regression":
        keep = np.isfinite(y) & np.isfinite(oof)
        y, oof = y[keep], oof[keep]
        sample = np.random.default_rng(0).choice(len(y), min(len(y), 1500), replace=False)
        parts.append(xy_chart([Series("validation rows", [(float(oof[i]), float(y[i]))
                                                          for i in sample])],
                              "predicted", "actual", diagonal=True,
                              title="predicted vs actual"))
        parts.append(histogram(y - oof, "residual (actual − predicted)", title="residuals"))
    else:
        keep = y >= 0
        y, oof = y[keep].astype(int), oof[keep]
        probabilities = oof if oof.ndim == 2 else np.column_stack([1 - oof, oof])
        labels = data.spec.classes or [str(i) for i in range(probabilities.shape[1])]
        predicted = probabilities.argmax(axis=1)
        matrix = np.zeros((len(labels), len(labels)), dtype=int)
        np.add.at(matrix, (y, predicted), 1)
        parts.append(heatmap(matrix, labels, "confusion matrix"))
        parts.append(xy_chart([Series("validation rows", _calibration(y, probabilities),
                                      kind="line")], "predicted probability",
                              "observed frequency", diagonal=True, title="calibration"))
    if data.importances:
        top = list(data.importances.items())[:20]
        parts.append(bar_chart(top, f"share of importance, {data.importance_run}",
                               "feature importances", COLORS[3]))
    parts.append("</div>")
    return "".join(parts)


def _calibration(y: np.ndarray, probabilities: np.ndarray, bins: int = 10):
    """Confidence of the predicted class against how often it was right, in equal-count bins."""
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == y).astype(float)
    if probabilities.shape[1] == 2:  # binary: the positive class's probability
        confidence, correct = probabilities[:, 1], (y == 1).astype(float)
    order = np.argsort(confidence)
    points = []
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk):
            points.append((float(confidence[chunk].mean()), float(correct[chunk].mean())))
    return points
