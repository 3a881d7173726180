"""`descentlab tune`: each optimizer tuned with the same budget on each task, its best
setting rerun over seeds, and the report written into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..defaults import SEED
from .errors import user_errors


def tune(
    tasks: Annotated[
        list[str], typer.Argument(help="Tasks to tune on, e.g. airfoil, digits, quadratic_deep.")
    ],
    optimizers: Annotated[
        list[str],
        typer.Option(
            "-o",
            "--optimizer",
            help="A search space, e.g. 'adam' (lr searched on a log scale over 1e-5..1e2) or "
            "'adam(lr=log(1e-4, 1), betas=(uniform(0.8, 0.99), 0.999))'; repeat it.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the study and its report.")],
    budget: Annotated[int, typer.Option(help="Trials of each optimizer's search.")] = 20,
    seeds: Annotated[int, typer.Option(help="Seeds the best setting is rerun with.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the search and the first rerun.")] = SEED,
    workers: Annotated[int, typer.Option(help="Worker processes on this machine.")] = 1,
    storage: Annotated[
        str | None,
        typer.Option(help="A database workers on many machines share, e.g. postgresql://..."),
    ] = None,
    study: Annotated[str, typer.Option(help="The study's name.")] = "descentlab",
    sampler: Annotated[str, typer.Option(help="qmc (quasi-random, default) or tpe.")] = "qmc",
) -> None:
    """Tune optimizers fairly: the same budget, the same seeds, on each task.

    Run the same command again to resume a study; on other machines, with the same
    --storage and --study, to join it. Writes results.csv, trials.csv, seeds.csv, the
    figures and report.html into --out.
    """
    from .commands import finish

    settings = {
        "kind": "tune", "tasks": tasks, "optimizers": optimizers, "budget": budget,
        "seeds": seeds, "seed": seed, "workers": workers, "storage": storage, "study": study,
        "sampler": sampler, "out": [str(out)],
    }  # fmt: skip
    with user_errors():
        try:
            finish(settings)
        except KeyboardInterrupt:
            from .errors import stderr

            stderr.print(f"interrupted; every finished trial is kept in {out}: run the same "
                         "command again to resume", highlight=False)  # fmt: skip
            raise typer.Exit(130) from None
