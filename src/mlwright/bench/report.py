"""Words and tables for grades and bench results."""

from __future__ import annotations

from mlwright.bench.grading import Grade


def describe_grade(grade: Grade) -> str:
    direction = "higher" if grade.higher_is_better else "lower"
    lines = [f"{grade.metric} {grade.score:.6g} ({direction} is better; {grade.rows} rows)"]
    medal = grade.medal
    if medal is not None:
        sign = ">=" if grade.higher_is_better else "<="
        lines.append(
            f"medal: {medal.medal or 'none'}"
            f"{'; above median' if medal.above_median else '; not above median'} "
            f"(gold {sign} {medal.gold_threshold:.6g}, silver {sign} {medal.silver_threshold:.6g}, "
            f"bronze {sign} {medal.bronze_threshold:.6g}, median {medal.median_threshold:.6g}; "
            f"{medal.teams} teams)"
        )
    return "\n".join(lines)


def _cell(value, digits: int = 4) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_results(rows) -> str:
    """One Markdown table of bench rows (BenchRow or anything with the same attributes)."""
    header = ("| task | metric | score | validation | plain baseline | beats baseline "
              "| beats constant | first model s | wall s | no run in flight s (harness CPU s) | budget s "
              "| peak MB (tree) | disk MB | valid | medal | note |")
    lines = [header, "|" + "---|" * 16]
    for row in rows:
        lines.append(
            f"| {row.task} | {row.metric or '–'} | {_cell(row.score)} "
            f"| {_cell(getattr(row, 'validation', None))} | {_cell(row.baseline)} "
            f"| {_cell(row.beats_baseline)} | {_cell(getattr(row, 'beats_constant', None))} "
            f"| {_cell(getattr(row, 'first_model_s', None), 1)} "
            f"| {_cell(row.wall_s, 1)} | {_cell(getattr(row, 'outside_s', None), 1)} "
            f"({_cell(getattr(row, 'harness_cpu_s', None), 1)}) | {_cell(row.budget_s, 0)} "
            f"| {_cell(row.peak_mb, 0)} ({_cell(row.tree_peak_mb, 0)}) "
            f"| {_cell(getattr(row, 'disk_mb', None), 0)} | {_cell(row.valid)} "
            f"| {row.medal or '–'} | {row.error or ('resumed' if row.resumed else '')} |"
        )
    return "\n".join(lines) + "\n"
