"""``python -m benchmarks``: run every figure, print the table, write JSON."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console

from benchmarks._harness import RESULTS, SMOKE, Figure, Sizes, configure_logging, render, write_json
from benchmarks.memory import memory_figure
from benchmarks.postgres import postgres_figure
from benchmarks.reads import machine_figures, rebuild_figures
from benchmarks.writes import batch_figures, fire_figures, flat_figure

FIGURES = {
    "fire": fire_figures,
    "batch": batch_figures,
    "machine": machine_figures,
    "rebuild": rebuild_figures,
    "flat": flat_figure,
    "memory": memory_figure,
    "postgres": postgres_figure,
}


@click.command()
@click.option("--smoke", is_flag=True, help="Tiny sizes, one round, no verdicts (for CI).")
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(sorted(FIGURES)),
    help="Run only these figures (repeatable).",
)
@click.option("--rounds", type=int, default=None, help="Rounds per figure (default 5).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=RESULTS,
    show_default=True,
    help="Where to write the JSON results.",
)
def main(smoke: bool, only: tuple[str, ...], rounds: int | None, out: Path) -> None:
    """Measure nhvflow against baselines run in the same process, print the
    ratios with the targets of issue 17 and write them as JSON."""
    configure_logging()
    console = Console()
    if not console.is_terminal:  # a pipe or a CI log: do not squeeze the table to 80
        console = Console(width=150)
    sizes = SMOKE if smoke else Sizes()
    if rounds is not None:
        sizes = _with_rounds(sizes, rounds)
    start = time.perf_counter()
    figures: list[Figure] = []
    for name, run in FIGURES.items():
        if only and name not in only:
            continue
        figures += run(sizes, smoke=smoke, console=console)
    seconds = time.perf_counter() - start
    render(figures, console)
    path = write_json(figures, out, smoke=smoke, seconds=seconds)
    console.print(f"{len(figures)} figures in {seconds:.0f} s; written to {path}")


def _with_rounds(sizes: Sizes, rounds: int) -> Sizes:
    import attrs

    return attrs.evolve(sizes, rounds=rounds)


if __name__ == "__main__":
    main()
