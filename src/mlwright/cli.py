"""Command line: `mlwright run TASK_DIR` and `mlwright resume RUN_DIR`.

Exit codes: 0 success; 2 for anything the user can fix (one line naming the file, column or
option); 1 for internal faults.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer

from mlwright.budget import parse_budget, process_started
from mlwright.errors import MlwrightError, OptionError
from mlwright.task.options import task_options

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Builds machine-learning models by itself.")


# The user's word on the task, shared by `run` and `inspect` (also [task] in mlwright.toml).
TARGET = typer.Option(None, help="The column to predict.")
METRIC = typer.Option(None, help="The metric submissions are scored on (docs/understanding.md "
                      "lists them), e.g. rmsle, macro_f1, map@3.")
ID_COLUMN = typer.Option(None, "--id", help="The column naming each row.")
TIME_COLUMN = typer.Option(None, help="The time of each row: a date column, or date parts such "
                           "as year,month.")
TASK_TYPE = typer.Option(None, help="binary | multiclass | regression")
IMAGES = typer.Option(None, help="The folder holding the image files.")


def _fail(message: str, code: int) -> None:
    typer.echo(f"mlwright: error: {message}", err=True)
    raise typer.Exit(code)


def _check_brain(brain: str, model: str | None) -> None:
    if brain not in ("builtin", "llm"):
        raise OptionError(f"--brain: unknown brain {brain!r}; use builtin or llm")
    if model is not None:
        from mlwright.agents.llm.config import check_model_name

        check_model_name(model)


def _summary(result) -> None:
    """What a person needs at the end of a run: the score, what makes it, where things are."""
    ensemble = ", ".join(f"{run} ({what})" for run, what in result.ensemble.items())
    final = result.run_dir / "final"
    lines = [
        f"done in {result.seconds:.1f}s: validation {result.metric} {result.score:.5f}",
        f"  ensemble:    {ensemble or 'constant prediction (no model beat it)'}",
        f"  submission:  {result.submission}",
        f"  predict:     python {final / 'predict.py'} NEW.csv OUT.csv",
        f"  leaderboard: {final / 'leaderboard.csv'}",
    ]
    if result.report is not None:
        lines.append(f"  report:      {result.report}")
    typer.echo("\n".join(lines))


@app.command()
def run(
    task_dir: Path = typer.Argument(..., help="Task folder: description.md, train.csv, test.csv, "
                                    "sample_submission.csv (or a public/ folder holding them)."),
    description: str | None = typer.Option(None, help="Task description: text or a file."),
    budget: str = typer.Option("10m", help="Wall-clock budget: 90, 90s, 5m, 1h."),
    out: Path | None = typer.Option(None, help="Run folder [runs/<task>-<timestamp>]."),
    brain: str = typer.Option("builtin", help="builtin | llm"),
    model: str | None = typer.Option(None, help="PROVIDER:NAME for the llm brain."),
    seed: int = typer.Option(0, help="Seed for folds, tuning and models."),
    executor: str = typer.Option("local", help="local | ray: where candidate runs execute."),
    ray_address: str | None = typer.Option(None, help="Ray cluster address (HOST:PORT); "
                                           "without it, --executor ray starts a local Ray."),
    designer_model: str | None = typer.Option(None, help="PROVIDER:NAME for the designer."),
    coder_model: str | None = typer.Option(None, help="PROVIDER:NAME for the coder."),
    tuner_model: str | None = typer.Option(None, help="PROVIDER:NAME for the tuner."),
    base_url: str | None = typer.Option(None, help="Endpoint of the model server (overrides "
                                        "OPENAI_BASE_URL)."),
    max_tokens: int | None = typer.Option(None, help="Tokens the LLM brain may use in all."),
    max_cost: float | None = typer.Option(None, help="USD the LLM brain may spend in all."),
    call_timeout: float | None = typer.Option(None, help="Seconds one model request may take "
                                              "[60]."),
    config: Path | None = typer.Option(None, help="TOML file with \\[task] and \\[llm] tables "
                                       "[./mlwright.toml if present]."),
    target: str | None = TARGET,
    metric: str | None = METRIC,
    id_column: str | None = ID_COLUMN,
    time_column: str | None = TIME_COLUMN,
    task_type: str | None = TASK_TYPE,
    images: Path | None = IMAGES,
    keep_models: str = typer.Option("best", help="best: keep the fitted models of runs that "
                                    "could still join an ensemble (the rest keep predictions "
                                    "and logs) | all: every run's."),
    unsafe_no_jail: bool = typer.Option(False, "--unsafe-no-jail", help="Let model-written "
                                        "code run where no jail can be made (it can then read "
                                        "and write what you can)."),
) -> None:
    """Build a model for TASK_DIR within the budget; write RUN_DIR/final/."""
    started = process_started()
    try:
        seconds = parse_budget(budget)
        told = task_options(target=target, metric=metric, id_column=id_column,
                            time_column=time_column, task_type=task_type, images=images,
                            description=description, config_file=config)
        _check_brain(brain, model)
        llm = None
        if brain == "llm":
            from mlwright.agents.llm.config import load_config

            llm = load_config(model, {"designer": designer_model, "coder": coder_model,
                                      "tuner": tuner_model}, base_url, max_tokens, max_cost,
                              call_timeout, config)
        if keep_models not in ("best", "all"):
            raise OptionError(f"--keep-models: unknown choice {keep_models!r}; use best or all")
        if executor not in ("local", "ray"):
            raise OptionError(f"--executor: unknown executor {executor!r}; use local or ray")
        if ray_address and executor != "ray":
            raise OptionError("--ray-address: only with --executor ray")
        if ray_address:
            from mlwright.execution.ray import check_reachable

            check_reachable(ray_address)  # before a run folder exists
        from mlwright.session import RunOptions, start

        name = Path(task_dir).resolve().name
        run_dir = out or Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
        options = RunOptions(seconds, seed, brain, executor=executor, ray_address=ray_address,
                             llm=llm, keep_models=keep_models, unsafe_no_jail=unsafe_no_jail)
        result = start(Path(task_dir), Path(run_dir).resolve(), options, told, started)
    except MlwrightError as exc:
        _fail(str(exc), 2)
    _summary(result)


@app.command()
def inspect(
    task_dir: Path = typer.Argument(..., help="Task folder, as for `run`."),
    description: str | None = typer.Option(None, help="Task description: text or a file."),
    budget: str = typer.Option("10m", help="The budget a run would have (it sets the folds)."),
    config: Path | None = typer.Option(None, help="TOML file with a \\[task] table "
                                       "[./mlwright.toml if present]."),
    as_json: bool = typer.Option(False, "--json", help="Print the reading as JSON."),
    target: str | None = TARGET,
    metric: str | None = METRIC,
    id_column: str | None = ID_COLUMN,
    time_column: str | None = TIME_COLUMN,
    task_type: str | None = TASK_TYPE,
    images: Path | None = IMAGES,
) -> None:
    """Show the task as a run would understand it, each decision with its source; no training."""
    from mlwright.inspection import inspect_task

    try:
        told = task_options(target=target, metric=metric, id_column=id_column,
                            time_column=time_column, task_type=task_type, images=images,
                            description=description, config_file=config)
        found = inspect_task(Path(task_dir), told, parse_budget(budget))
    except MlwrightError as exc:
        _fail(str(exc), 2)
    if as_json:
        import json

        typer.echo(json.dumps(found.as_dict(), indent=1))
    else:
        typer.echo(found.text())


@app.command()
def resume(run_dir: Path = typer.Argument(..., help="A run folder that was interrupted.")) -> None:
    """Continue an interrupted run, redoing no finished run and spending only what is left."""
    started = process_started()
    try:
        from mlwright.session import resume as resume_session

        result = resume_session(Path(run_dir).resolve(), None, started)
    except MlwrightError as exc:
        _fail(str(exc), 2)
    _summary(result)


@app.command()
def doctor() -> None:
    """What isolation this machine gives candidate code, layer by layer."""
    from mlwright.workspace.isolation import isolation_layers

    layers = isolation_layers()
    width = max(len(layer.name) for layer in layers)
    for layer in layers:
        typer.echo(f"{layer.name:<{width}}  {'yes' if layer.present else 'NO ':<3}  "
                   f"{layer.detail}")
    if not all(layer.present for layer in layers):
        raise typer.Exit(1)


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run folder, finished or killed.")) -> None:
    """Write RUN_DIR/final/report.html: what was tried, why, and what it cost."""
    from mlwright.report import write_report

    try:
        path = write_report(Path(run_dir))
    except MlwrightError as exc:
        _fail(str(exc), 2)
    typer.echo(f"report: {path}")


@app.command()
def serve(
    run_dir: Path = typer.Argument(..., help="A finished run folder."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve RUN_DIR's final model over HTTP: POST /predict, GET /health, GET /schema, /docs."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        _fail("serve needs FastAPI and uvicorn: pip install 'mlwright[serve]'", 2)
    from mlwright.serve import serve as serve_model

    try:
        from mlwright.api import load

        load(run_dir)  # a clear error before the server starts
    except MlwrightError as exc:
        _fail(str(exc), 2)
    typer.echo(f"serving {Path(run_dir).resolve()} on http://{host}:{port} (docs at /docs)")
    serve_model(Path(run_dir), host, port)


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="A finished run folder."),
    mlflow: Path = typer.Option(..., "--mlflow", help="Folder to write the MLflow model to "
                                "(must not exist)."),
) -> None:
    """Export RUN_DIR's final model as an MLflow pyfunc model (mlflow.pyfunc.load_model)."""
    try:
        import mlflow as _  # noqa: F401
    except ImportError:
        _fail("export --mlflow needs MLflow: pip install 'mlwright[mlflow]'", 2)
    from mlwright.mlflow_export import export_mlflow

    try:
        written = export_mlflow(Path(run_dir), mlflow)
    except MlwrightError as exc:
        _fail(str(exc), 2)
    typer.echo(f"MLflow model: {written}")


@app.command()
def grade(
    task_root: Path = typer.Argument(..., help="Task folder with grade.json and private/answers.csv, "
                                     "or an MLE-bench competition folder."),
    submission: Path = typer.Argument(..., help="The submission CSV to check and score."),
    leaderboard: Path | None = typer.Option(None, help="Kaggle leaderboard.csv to rank against "
                                            "[TASK_ROOT/leaderboard.csv if present]."),
    as_json: bool = typer.Option(False, "--json", help="Print the grade as JSON."),
) -> None:
    """Check SUBMISSION's format against the task's answers, then score it."""
    from mlwright.bench.grading import grade_submission
    from mlwright.bench.report import describe_grade

    try:
        result = grade_submission(task_root, submission, leaderboard)
    except MlwrightError as exc:
        _fail(str(exc), 2)
    if as_json:
        import json

        typer.echo(json.dumps(result.as_dict()))
    else:
        typer.echo(describe_grade(result))


@app.command()
def bench(
    suite_dir: Path = typer.Argument(..., help="A folder of task folders (e.g. shared/tasks)."),
    tasks: str | None = typer.Option(None, help="Comma-separated task names [all]."),
    budget: str = typer.Option("2m", help="Wall-clock budget per task: 90, 90s, 5m, 1h."),
    brain: str = typer.Option("builtin", help="builtin | llm"),
    model: str | None = typer.Option(None, help="PROVIDER:NAME for the llm brain."),
    seed: int = typer.Option(0, help="Seed passed to every run."),
    out: Path | None = typer.Option(None, help="Bench folder [runs/bench-<timestamp>]; "
                                    "give an existing one to resume it."),
) -> None:
    """Run every task of SUITE_DIR, grade it, and write results.csv and results.md."""
    from mlwright.bench.suite import BenchOptions, run_bench

    try:
        seconds = parse_budget(budget)
        _check_brain(brain, model)
        wanted = tuple(t.strip() for t in tasks.split(",") if t.strip()) if tasks else ()
        folder = (out or Path("runs") / f"bench-{datetime.now():%Y%m%d-%H%M%S}").resolve()
        options = BenchOptions(budget, seconds, brain, model, seed, wanted)
        rows = run_bench(Path(suite_dir), folder, options, echo=typer.echo)
    except MlwrightError as exc:
        _fail(str(exc), 2)
    from mlwright.bench.report import markdown_results

    typer.echo(markdown_results(rows))
    typer.echo(f"results: {folder / 'results.csv'}")
    failed = [row.task for row in rows if not row.valid]
    if failed:
        typer.echo(f"no valid submission for: {', '.join(failed)}", err=True)
        raise typer.Exit(1)


def main() -> None:
    try:
        code = app(standalone_mode=False)  # click returns an Exit's code instead of raising
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except MlwrightError as exc:
        typer.echo(f"mlwright: error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # click's usage errors come here too
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        raise
