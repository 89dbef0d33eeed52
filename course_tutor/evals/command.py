"""`course-tutor eval [SCENARIO...] [--prompt FILE ...] [--model M]
[--record | --replay] [--junit FILE]`.

Exit status: 0 when every scenario passes; 1 when one fails (or its model
failed); 3 when none fails but recordings are stale or missing; 2 when the
run cannot start (a bad scenario file, a missing prompt, no model set up).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from course_tutor.evals.runner import Outcome, Plan, Prompt
    from course_tutor.evals.scenario import Scenario

EXIT_FAILED = 1
EXIT_SETUP = 2
EXIT_STALE = 3

Run = list[tuple["Scenario", "Prompt"]]


def run_eval(args: argparse.Namespace) -> int:
    from course_tutor.config import ConfigError, load_settings
    from course_tutor.evals.recording import CassetteError
    from course_tutor.evals.report import default_cassettes
    from course_tutor.evals.runner import Mode, Plan
    from course_tutor.evals.scenario import ScenarioError, find_scenarios
    from course_tutor.instructions import InstructionsError, prompts_dir
    from course_tutor.session import SetupError

    if len(args.prompt) > 2:
        print("course-tutor eval: give at most two --prompt files.", file=sys.stderr)
        return EXIT_SETUP
    mode = Mode.RECORD if args.record else Mode.REPLAY if args.replay else Mode.LIVE
    try:
        scenarios = find_scenarios(args.scenarios, prompts_dir() / "evals")
        runs = _planned_runs(scenarios, args.prompt)
        plan = Plan(
            mode=mode,
            model=args.model,
            cassettes=Path(args.cassettes) if args.cassettes else default_cassettes(),
            settings=load_settings(),
        )
        results = asyncio.run(_play_all(runs, plan))
    except (
        ScenarioError,
        InstructionsError,
        SetupError,
        ConfigError,
        CassetteError,
    ) as error:
        print(f"course-tutor eval: {error}", file=sys.stderr)
        return EXIT_SETUP

    _show(results, plan, verbose=args.verbose)
    if args.junit:
        from course_tutor.evals.report import junit_xml

        Path(args.junit).write_bytes(junit_xml(results, plan))
    return exit_status([outcome for run in results for outcome in run])


def _planned_runs(scenarios: list[Scenario], prompt_files: list[str]) -> list[Run]:
    """A run per `--prompt` (one with each scenario's own prompt when none is
    given), every prompt read before anything is played."""
    from course_tutor.evals.runner import Prompt, prompt_for

    if not prompt_files:
        return [[(s, prompt_for(s, None)) for s in scenarios]]
    prompts = [Prompt.of(Path(file)) for file in prompt_files]
    return [[(s, prompt) for s in scenarios] for prompt in prompts]


async def _play_all(runs: list[Run], plan: Plan) -> list[list[Outcome]]:
    from course_tutor.evals.runner import run_scenario

    progress = sys.stderr.isatty()
    results = []
    for run in runs:
        outcomes = []
        for scenario, prompt in run:
            if progress:
                print(f"\r\033[K… {scenario.name}", file=sys.stderr, end="")
            outcomes.append(await run_scenario(scenario, prompt, plan))
        results.append(outcomes)
    if progress:
        print("\r\033[K", file=sys.stderr, end="")
    return results


def exit_status(outcomes: Sequence[Outcome]) -> int:
    from course_tutor.evals.runner import Status

    statuses = {outcome.status for outcome in outcomes}
    if statuses & {Status.FAIL, Status.ERROR}:
        return EXIT_FAILED
    if Status.STALE in statuses:
        return EXIT_STALE
    return 0


def _show(results: list[list[Outcome]], plan: Plan, *, verbose: bool) -> None:
    from rich.console import Console

    from course_tutor.evals import report
    from course_tutor.evals.runner import Mode, Status

    console = Console(highlight=False)
    if len(results) == 1:
        (outcomes,) = results
        console.print(report.results_table(outcomes))
        prompts = {o.prompt for o in outcomes}
        only = next(iter(prompts)) if len(prompts) == 1 else None
        console.print(report.summary(outcomes, plan, only))
    else:
        before, after = results
        console.print(report.side_by_side(before, after))
        moved = report.changed(before, after)
        console.print(
            f"{len(moved)} of {len(before)} scenarios changed from A to B"
            + (f": {', '.join(moved)}" if moved else ".")
        )
        for outcomes in results:
            console.print(report.summary(outcomes, plan, outcomes[0].prompt))

    everything = [outcome for run in results for outcome in run]
    if plan.mode is Mode.RECORD:
        kept = sum(1 for outcome in everything if outcome.cassette is not None)
        console.print(f"Recorded {kept} scenario(s) under {plan.cassettes}.")
    stale = [o for o in everything if o.status is Status.STALE]
    if stale:
        _show_stale(console, stale, plan)
    if verbose:
        report.print_transcripts(console, everything)


def _show_stale(console: Console, stale: list[Outcome], plan: Plan) -> None:
    from course_tutor.evals.report import rerecord_command

    names = ", ".join(sorted({o.scenario.name for o in stale}))
    console.print(
        f"\nThe recordings of {names} do not fit this run (see the reasons "
        "above), so those scenarios were not checked. To record them again:"
    )
    console.print(f"  {rerecord_command(stale, plan)}", soft_wrap=True)
