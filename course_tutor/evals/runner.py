"""Playing a scenario: a fresh session on the demo Canvas, the student's
turns one by one, each answer checked as it comes.

A run is live (the scripted model by default, or a real one), recording (a
real or the scripted model, its replies kept in a cassette) or replaying (no
model at all: the cassette answers). Every run gets its own temporary export
folder, so a practice exam's PDF never lands among the student's files.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from course_tutor.evals.expect import Answer, check_turn
from course_tutor.evals.recording import (
    REPLAY_URL,
    Cassette,
    CassetteError,
    Player,
    Recorder,
    cassette_path,
    recordings_of,
)
from course_tutor.evals.scenario import Scenario
from course_tutor.session import SCRIPTED_LABEL, SCRIPTED_MODEL

# Failures that say something about the model's behaviour, which a recording
# keeps; any other failure (network, key, quota) leaves nothing worth keeping.
_BEHAVIOUR = ("step_limit",)


class Mode(Enum):
    LIVE = "live"
    RECORD = "record"
    REPLAY = "replay"


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    STALE = "stale"
    ERROR = "error"


@dataclass(frozen=True)
class Prompt:
    """The instructions a run uses: None for the shipped ones."""

    path: Path | None
    digest: str
    label: str

    @classmethod
    def of(cls, path: Path | None) -> Prompt:
        from course_tutor.instructions import load_instructions

        instructions = load_instructions(path)
        return cls(path, instructions.digest, instructions.path.name)


@dataclass
class TurnOutcome:
    number: int
    said: str
    answer: str
    calls: list[dict[str, Any]]
    problems: list[str]
    failure: tuple[str, str] | None = None
    """Why the turn itself failed (the model's error), if it did."""


@dataclass
class Outcome:
    scenario: Scenario
    prompt: Prompt
    model: str
    status: Status
    reasons: list[str] = field(default_factory=list)
    turns: list[TurnOutcome] = field(default_factory=list)
    seconds: float = 0.0
    cassette: Path | None = None
    model_label: str = ""
    """Where the answers came from: the session's model, or the recording's."""

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS


@dataclass(frozen=True)
class Plan:
    """How to run: the mode, the model (None: the scripted one), where the
    cassettes are, and the settings (keys, base URL) for a real model."""

    mode: Mode
    model: str | None
    cassettes: Path
    settings: Any  # course_tutor.config.Settings

    @property
    def scripted(self) -> bool:
        """Whether the in-process scripted model plays. Naming it in full
        reaches a server configured with OPENAI_BASE_URL instead, if any (the
        scripted model served with `course-tutor demo-model`)."""
        if self.model in (None, "scripted"):
            return True
        return self.model == SCRIPTED_MODEL and not self.settings.model_configured

    @property
    def model_name(self) -> str:
        return SCRIPTED_MODEL if self.scripted else str(self.model)


def prompt_for(scenario: Scenario, override: Prompt | None) -> Prompt:
    """The command line's prompt, else the scenario's own, else the shipped one."""
    return override or Prompt.of(scenario.prompt)


async def run_scenario(scenario: Scenario, prompt: Prompt, plan: Plan) -> Outcome:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-tutor-eval-") as folder:
        outcome = await _run(scenario, prompt, plan, Path(folder))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def _run(
    scenario: Scenario, prompt: Prompt, plan: Plan, export_dir: Path
) -> Outcome:
    from course_tutor.session import open_session

    outcome = Outcome(scenario, prompt, plan.model_name, Status.PASS)
    settings = plan.settings.model_copy(update={"export_dir": export_dir})
    tape: Recorder | Player | None = None
    scripted: bool = plan.scripted

    if plan.mode is Mode.REPLAY:
        path = cassette_path(
            plan.cassettes, scenario.name, plan.model_name, prompt.digest
        )
        if not path.is_file():
            outcome.status = Status.STALE
            outcome.reasons = [_why_not_recorded(plan, scenario, prompt)]
            return outcome
        try:
            tape = Player(Cassette.load(path), export_dir)
        except CassetteError as error:
            outcome.status = Status.STALE
            outcome.reasons = [str(error)]
            return outcome
        outcome.cassette = path
        outcome.model_label = f"recorded with {tape.cassette.model_label}"
        # The model's requests never leave the process: the cassette answers.
        settings = settings.model_copy(
            update={
                "openai_base_url": REPLAY_URL,
                "openai_api_key": None,
                "model": plan.model_name,
            }
        )
        scripted = False
    elif not scripted:
        settings = settings.model_copy(update={"model": plan.model})

    def wrap(inner: Any) -> Any:
        # Recording, the recorder sits in front of the model's transport;
        # replaying, the player takes its place and nothing is sent.
        nonlocal tape
        if tape is None:
            tape = Recorder(inner, export_dir)
        return tape

    async with open_session(
        settings,
        demo=True,
        prompt=prompt.path,
        scripted=scripted,
        model_transport=wrap if plan.mode is not Mode.LIVE else None,
    ) as session:
        outcome.model = session.model
        outcome.model_label = outcome.model_label or session.model_label
        await _play(scenario, session, tape, outcome, export_dir)

    if isinstance(tape, Player):
        _check_replay(tape, outcome)
    elif isinstance(tape, Recorder):
        _keep_recording(tape, session, scenario, prompt, plan, outcome)
    return outcome


async def _play(
    scenario: Scenario,
    session: Any,
    tape: Recorder | Player | None,
    outcome: Outcome,
    export_dir: Path,
) -> None:
    from course_tutor.headless import play_turn

    history = session.new_history()
    for number, turn in enumerate(scenario.turns, 1):
        if tape is not None:
            tape.turn = number
        record = await play_turn(session.agent, history, turn.say)
        if isinstance(tape, Player) and tape.mismatch is not None:
            return  # the recording no longer fits: nothing after this counts
        problems = check_turn(
            turn.expect,
            Answer(record.answer, record.calls, record.failure),
            canvas_host=session.canvas_host,
            export_dir=export_dir,
        )
        outcome.turns.append(
            TurnOutcome(
                number, turn.say, record.answer, record.calls, problems, record.failure
            )
        )
        outcome.reasons += [f"turn {number}: {problem}" for problem in problems]
        if problems:
            outcome.status = Status.FAIL
        if record.failure is not None:
            left = len(scenario.turns) - number
            if left:
                outcome.reasons.append(f"the last {left} turn(s) were not played")
            return


def _check_replay(player: Player, outcome: Outcome) -> None:
    """A replay that left the recording, or did not use all of it, is stale."""
    if player.mismatch is not None:
        reason = f"the recording does not match: {player.mismatch}"
    elif player.unplayed:
        reason = (
            f"the recording holds {player.unplayed} more model request(s) than "
            "this run made: the scenario changed"
        )
    else:
        return
    outcome.status = Status.STALE
    outcome.reasons = [reason]


def _keep_recording(
    recorder: Recorder,
    session: Any,
    scenario: Scenario,
    prompt: Prompt,
    plan: Plan,
    outcome: Outcome,
) -> None:
    broken = [
        turn.number
        for turn in outcome.turns
        if turn.failure is not None and turn.failure[0] not in _BEHAVIOUR
    ]
    if broken:
        outcome.status = Status.ERROR
        outcome.reasons.append(
            f"not recorded: the model failed at turn {broken[0]} (see above)"
        )
        return
    path = cassette_path(plan.cassettes, scenario.name, session.model, prompt.digest)
    Cassette(
        scenario=scenario.name,
        model=session.model,
        model_label=SCRIPTED_LABEL if plan.scripted else session.model_label,
        scripted=plan.scripted,
        prompt=prompt.label,
        prompt_digest=prompt.digest,
        interactions=recorder.interactions,
    ).save(path)
    outcome.cassette = path


def _why_not_recorded(plan: Plan, scenario: Scenario, prompt: Prompt) -> str:
    others = [cassette for _, cassette in recordings_of(plan.cassettes, scenario.name)]
    same_model = [c for c in others if c.model == plan.model_name]
    if same_model:
        digests = ", ".join(f"{c.prompt_digest} ({c.prompt})" for c in same_model)
        return (
            f"recorded with another prompt: {digests}; this prompt is "
            f"{prompt.digest} ({prompt.label})"
        )
    if others:
        models = ", ".join(sorted({c.model for c in others}))
        return f"recorded with another model ({models}), not {plan.model_name}"
    return f"never recorded (nothing under {plan.cassettes / scenario.name})"
