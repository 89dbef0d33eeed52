"""What `eval` shows: a table of scenarios, the side-by-side of two prompts,
the conversations that went wrong, the command that records stale
scenarios again, and JUnit XML for CI."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from course_tutor.evals.runner import Outcome, Plan, Prompt, Status

_STYLE = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.STALE: "bold yellow",
    Status.ERROR: "bold red",
}


def turns_cell(outcome: Outcome) -> str:
    """Turns that passed out of the scenario's turns ("7/8"); "-" if none ran."""
    if outcome.status is Status.STALE or not outcome.turns:
        return f"-/{len(outcome.scenario.turns)}"
    passed = sum(1 for turn in outcome.turns if not turn.problems)
    return f"{passed}/{len(outcome.scenario.turns)}"


def _result(outcome: Outcome) -> Text:
    return Text(outcome.status.value.upper(), style=_STYLE[outcome.status])


def results_table(outcomes: Sequence[Outcome]) -> Table:
    table = Table(show_lines=False, expand=False)
    table.add_column("Scenario", no_wrap=True)
    table.add_column("Turns", justify="right", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Reasons", overflow="fold")
    for outcome in outcomes:
        table.add_row(
            outcome.scenario.name,
            turns_cell(outcome),
            _result(outcome),
            "\n".join(outcome.reasons) or "",
        )
    return table


def summary(outcomes: Sequence[Outcome], plan: Plan, prompt: Prompt | None) -> str:
    counts = dict.fromkeys(Status, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    parts = [f"{counts[Status.PASS]} passed", f"{counts[Status.FAIL]} failed"]
    if counts[Status.STALE]:
        parts.append(f"{counts[Status.STALE]} stale")
    if counts[Status.ERROR]:
        parts.append(f"{counts[Status.ERROR]} errors")
    labels = [o.model_label for o in outcomes if o.model_label]
    model = plan.model_name
    if labels and labels[0].startswith(f"{model} at "):
        model = labels[0]
    elif labels:
        model = f"{model} ({labels[0]})"
    how = {"live": "", "record": ", recorded", "replay": ", replayed"}[plan.mode.value]
    used = f"prompt {prompt.label} ({prompt.digest})" if prompt else "their prompts"
    return f"{', '.join(parts)}: {model}{how}, {used}"


def side_by_side(before: Sequence[Outcome], after: Sequence[Outcome]) -> Table:
    """One row per scenario: its result under each prompt, and what changed."""
    first, second = before[0].prompt, after[0].prompt
    table = Table(
        caption=f"A: {_prompt_label(first, second)}\nB: {_prompt_label(second, first)}",
        caption_justify="left",
    )
    table.add_column("Scenario", no_wrap=True)
    table.add_column("A", no_wrap=True)
    table.add_column("B", no_wrap=True)
    table.add_column("Change", overflow="fold", min_width=20)
    for one, other in zip(before, after, strict=True):
        table.add_row(
            one.scenario.name,
            _cell(one),
            _cell(other),
            change(one, other),
        )
    return table


def _prompt_label(prompt: Prompt, other: Prompt) -> str:
    name = prompt.label
    if prompt.path is not None and prompt.label == other.label:
        name = str(prompt.path)
    return f"{name} ({prompt.digest})"


def _cell(outcome: Outcome) -> Text:
    text = _result(outcome)
    text.append(f" {turns_cell(outcome)}", style="dim")
    return text


def change(one: Outcome, other: Outcome) -> str:
    """What changed for a scenario from prompt A to prompt B."""
    if one.status is other.status:
        if one.status is Status.FAIL and one.reasons != other.reasons:
            return "fails differently:\n" + "\n".join(f"B: {r}" for r in other.reasons)
        return "same"
    if other.status is Status.PASS:
        return "now passes"
    if other.status is Status.FAIL:
        return "now fails:\n" + "\n".join(other.reasons)
    return f"{other.status.value} with B: " + "; ".join(other.reasons)


def changed(before: Sequence[Outcome], after: Sequence[Outcome]) -> list[str]:
    return [
        one.scenario.name
        for one, other in zip(before, after, strict=True)
        if change(one, other) != "same"
    ]


def rerecord_command(stale: Sequence[Outcome], plan: Plan) -> str:
    """The command that records the stale scenarios again."""
    words = ["course-tutor", "eval", "--record"]
    if not plan.scripted:
        words += ["--model", plan.model_name]
    prompts = sorted({str(o.prompt.path) for o in stale if o.prompt.path is not None})
    for prompt in prompts:
        words += ["--prompt", prompt]
    if plan.cassettes != default_cassettes():
        words += ["--cassettes", str(plan.cassettes)]
    words += sorted({o.scenario.name for o in stale})
    return shlex.join(words)


def default_cassettes() -> Path:
    """`cassettes/evals/` of the source tree, or of the current directory."""
    from course_tutor.instructions import prompts_dir

    project = prompts_dir().parent
    if (project / "pyproject.toml").is_file():
        return project / "cassettes" / "evals"
    return Path.cwd() / "cassettes" / "evals"


def print_transcripts(console: Console, outcomes: Sequence[Outcome]) -> None:
    """The conversation of every scenario that did not pass, turn by turn."""
    for outcome in outcomes:
        if outcome.passed or not outcome.turns:
            continue
        console.rule(f"{outcome.scenario.name} ({outcome.prompt.label})")
        for turn in outcome.turns:
            console.print(Text(f"[{turn.number}] student: {turn.said}", "bold"))
            for call in turn.calls:
                mark = "✓" if call.get("ok", True) else "✗"
                console.print(
                    Text(f"    {mark} {call['name']} {call.get('arguments')}", "dim")
                )
            console.print(Text(_indent(turn.answer or "(no answer)")))
            for problem in turn.problems:
                console.print(Text(f"    ✗ {problem}", "red"))


def _indent(text: str, limit: int = 40) -> str:
    lines = text.splitlines()
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"… ({len(lines) - limit} more lines)")
    return "\n".join(f"    {line}" for line in shown)


# -- JUnit XML --------------------------------------------------------------------


def junit_xml(runs: Sequence[Sequence[Outcome]], plan: Plan) -> bytes:
    """The results as JUnit XML: a test suite per prompt, a test case per
    scenario; a stale recording is an error, a failed expectation a failure."""
    root = ET.Element("testsuites", name="course-tutor eval")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for outcomes in runs:
        counts = _suite(root, outcomes, plan)
        for key in totals:
            totals[key] += counts[key]
    for key, count in totals.items():
        root.set(key, str(count))
    seconds = sum(outcome.seconds for run in runs for outcome in run)
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _suite(root: ET.Element, outcomes: Sequence[Outcome], plan: Plan) -> dict[str, int]:
    prompt = outcomes[0].prompt
    suite = ET.SubElement(root, "testsuite", name=f"eval [{prompt.label}]")
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("model", plan.model_name),
        ("mode", plan.mode.value),
        ("prompt", prompt.label),
        ("prompt_digest", prompt.digest),
    ):
        ET.SubElement(properties, "property", name=name, value=value)

    counts = {"tests": len(outcomes), "failures": 0, "errors": 0}
    for outcome in outcomes:
        _testcase(suite, outcome, prompt)
        if outcome.status is Status.FAIL:
            counts["failures"] += 1
        elif outcome.status in (Status.STALE, Status.ERROR):
            counts["errors"] += 1
    for key, count in counts.items():
        suite.set(key, str(count))
    suite.set("skipped", "0")
    suite.set("time", f"{sum(o.seconds for o in outcomes):.3f}")
    return counts


def _testcase(suite: ET.Element, outcome: Outcome, prompt: Prompt) -> None:
    stem = Path(prompt.label).stem.replace(".", "_")
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"eval.{stem}",
        name=outcome.scenario.name,
        time=f"{outcome.seconds:.3f}",
    )
    if outcome.passed:
        return
    detail = "\n".join(outcome.reasons)
    first = outcome.reasons[0] if outcome.reasons else outcome.status.value
    if outcome.status is Status.FAIL:
        element = ET.SubElement(case, "failure", message=first, type="expectation")
    else:
        element = ET.SubElement(case, "error", message=first, type=outcome.status.value)
    element.text = detail
    if outcome.turns:
        transcript = "\n\n".join(
            f"[{t.number}] student: {t.said}\n"
            + "".join(f"  tool: {c['name']} {c.get('arguments')}\n" for c in t.calls)
            + f"tutor: {t.answer}"
            for t in outcome.turns
        )
        ET.SubElement(case, "system-out").text = transcript
