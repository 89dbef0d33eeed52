"""The practice exam, one question at a time.

    how many? ──▶ which course? ──▶ listModules ──▶ which topics?
    ──▶ question 1 … answer, verdict, next question … last verdict and score
    ──▶ "a PDF of your results?" ──▶ exportPracticeExam ──▶ paths, tips

Questions come from the question banks of the chosen modules, taken in turn
from each module in bank order, so the same choices give the same exam.
Everything the student answered is read back from the conversation: an
answer that cannot be read is asked again and not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from course_tutor.demo.scripted import exam_text, markdown, phrasing
from course_tutor.demo.scripted.flow import (
    Flow,
    ask_for_course,
    find_course,
    named_something,
    refuse_restricted,
)
from course_tutor.demo.scripted.reply import Answer, Reply, ToolCall
from course_tutor.demo.scripted.world import Context, Failure

Record = dict[str, Any]

EXPORT_TOOL = "exportPracticeExam"


@dataclass
class Exam(Flow):
    count: int | None = None
    course_said: str | None = None
    course_id: str | None = None
    topic_ids: list[str] | None = None
    answers: list[str] = field(default_factory=list)
    unclear: bool = False
    pdf: bool | None = None
    pdf_asked_at: int = -1

    @classmethod
    def start(cls, text: str) -> Exam:
        return cls(
            count=phrasing.question_count(text), course_said=named_something(text)
        )

    # -- hearing the student --------------------------------------------------

    def hear(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        self._settle(ctx)
        self.unclear = False
        if self._unusable(ctx):  # the student was asked for another course
            self.course_id = None
        if self.count is None or self.course_id is None:
            return self._hear_setup(text, intent, ctx)
        if self.topic_ids is None:
            if intent not in (None, "exam"):
                return None
            picked = phrasing.pick_modules(text, self._bank_modules(ctx))
            self.topic_ids = [str(m["id"]) for m in picked] if picked else None
            self.unclear = not picked
            return self

        questions = self.questions(ctx)
        if len(self.answers) < len(questions):
            choices = questions[len(self.answers)].get("choices") or {}
            letter = phrasing.read_answer(text, choices)
            if letter is None and intent is not None:
                return None
            if letter is None:
                self.unclear = True
            else:
                self.answers.append(letter)
            return self

        if self.pdf is None and (phrasing.is_yes(text) or phrasing.is_no(text)):
            self.pdf = phrasing.is_yes(text)
            self.pdf_asked_at = ctx.world.turn_start
            return self
        return None

    def _hear_setup(self, text: str, intent: str | None, ctx: Context) -> Flow | None:
        if intent not in (None, "exam"):
            return None
        if self.count is None:
            self.count = phrasing.question_count(text)
            if self.course_id is None and named_something(text):
                self.course_said = text
            self.unclear = self.count is None
        else:
            self.course_said = text
        self._settle(ctx)
        return self

    def _unusable(self, ctx: Context) -> bool:
        """Whether the chosen course cannot give an exam (ended, or no bank)."""
        if self.course_id is None:
            return False
        course = find_course(self.course_id, ctx) or {}
        modules = ctx.known(ToolCall.of("listModules", course_id=self.course_id))
        return markdown.restricted(course) or (
            modules is not None and not self._bank_modules(ctx)
        )

    def _settle(self, ctx: Context) -> None:
        if self.course_id is None:
            course = find_course(self.course_said, ctx)
            if course is not None:
                self.course_id = str(course["id"])

    # -- what the exam is made of ---------------------------------------------

    def _modules(self, ctx: Context) -> list[Record]:
        if self.course_id is None:
            return []
        known = ctx.known(ToolCall.of("listModules", course_id=self.course_id))
        return markdown.in_order(known or [])

    def _bank_modules(self, ctx: Context) -> list[Record]:
        return [m for m in self._modules(ctx) if ctx.bank(m["id"])]

    def _topics(self, ctx: Context) -> list[Record]:
        by_id = {str(m["id"]): m for m in self._bank_modules(ctx)}
        return [by_id[i] for i in self.topic_ids or [] if i in by_id]

    def questions(self, ctx: Context) -> list[Record]:
        """The exam: banks of the chosen modules, one from each in turn."""
        pools = [
            [{**q, "module": m.get("name")} for q in ctx.bank(m["id"])]
            for m in self._topics(ctx)
        ]
        chosen: list[Record] = []
        for depth in range(max((len(p) for p in pools), default=0)):
            chosen += [pool[depth] for pool in pools if depth < len(pool)]
        return chosen[: self.count or 0]

    # -- replying -------------------------------------------------------------

    def reply(self, ctx: Context) -> Reply:
        self._settle(ctx)
        if self.count is None:
            lead = "I didn't catch a number. " if self.unclear else "Let's practise! "
            return Reply(
                f"{lead}How many questions would you like? Between 3 and 10 works well."
            )
        if self.course_id is None:
            raise ask_for_course(ctx, self.course_said, "Which course is the exam for?")
        course = find_course(self.course_id, ctx) or {"id": self.course_id}
        refuse_restricted(course)
        ctx.require(ToolCall.of("listModules", course_id=self.course_id))

        offered = self._bank_modules(ctx)
        if not offered:
            raise ask_for_course(
                ctx,
                None,
                "I don't have practice questions for "
                f"{markdown.course_label(course)} yet, so I can't build an exam "
                "from it. Which other course should the exam be for?",
            )
        if self.topic_ids is None:
            return Reply(self._ask_topics(offered))

        questions = self.questions(ctx)
        asked = len(self.answers)
        if self.unclear:
            return Reply(
                "Sorry, I couldn't tell which answer you chose.\n\n"
                + exam_text.question_block(questions[asked], asked + 1, len(questions))
            )
        if asked == 0:
            return Reply(self._intro(ctx, questions))
        feedback = exam_text.verdict(
            questions[asked - 1],
            self.answers[-1],
            exam_text.score(questions, self.answers),
            asked,
        )
        if asked < len(questions):
            following = exam_text.question_block(
                questions[asked], asked + 1, len(questions)
            )
            return Reply(f"{feedback}\n\n{following}")
        if self.pdf is None:
            return Reply(f"{feedback}\n\n{self._final(ctx, questions)}")
        return self._wrap_up(ctx, course, questions)

    def _ask_topics(self, offered: list[Record]) -> str:
        names = markdown.numbered([str(m.get("name")) for m in offered])
        return (
            f"Which topics should the {self.count} questions cover? These modules "
            f"have practice questions:\n\n{names}\n\n"
            "Reply with numbers (“1 and 2”), a name (“"
            f"{_short_name(offered[0])}”), or “all”."
        )

    def _intro(self, ctx: Context, questions: list[Record]) -> str:
        topics = ", ".join(str(m.get("name")) for m in self._topics(ctx))
        fewer = ""
        if self.count and len(questions) < self.count:
            fewer = f" (those topics have {len(questions)}, not {self.count})"
        return (
            f"Here we go: {len(questions)} questions{fewer} on {topics}. I'll ask "
            "one at a time and tell you how you did after each.\n\n"
            + exam_text.question_block(questions[0], 1, len(questions))
        )

    def _final(self, ctx: Context, questions: list[Record]) -> str:
        right = exam_text.score(questions, self.answers)
        offer = (
            "Would you like a PDF of your results (questions, your answers, the "
            "explanations and the score)?"
            if ctx.can(EXPORT_TOOL)
            else "Would you like a summary of your results?"
        )
        return f"{exam_text.final_score(right, len(questions))}\n\n{offer}"

    def _wrap_up(self, ctx: Context, course: Record, questions: list[Record]) -> Reply:
        tips = exam_text.study_tips(questions, self.answers)
        ask = "Is there another course or topic you'd like help with?"
        if not self.pdf:
            return Reply(f"No problem.\n\n{tips}\n\n{ask}")
        if not ctx.can(EXPORT_TOOL):
            summary = exam_text.summary_table(questions, self.answers)
            return Reply(f"Here are your results:\n\n{summary}\n\n{tips}\n\n{ask}")

        done = ctx.world.learned_since((EXPORT_TOOL,), self.pdf_asked_at)
        if done is None:
            label = markdown.course_label(course) if course.get("name") else ""
            arguments = exam_text.export_arguments(
                label or str(self.course_id),
                [str(m.get("name")) for m in self._topics(ctx)],
                questions,
                self.answers,
            )
            raise Answer(Reply(tool_calls=(ToolCall.of(EXPORT_TOOL, **arguments),)))
        if isinstance(done.value, Failure):
            return Reply(f"{done.value.explain()}\n\n{tips}\n\n{ask}")
        return Reply(f"{_saved(done.value)}\n\n{tips}\n\n{ask}")


def _saved(result: Record) -> str:
    """The export's paths and the score the tool computed."""
    lines = []
    if result.get("pdf"):
        lines.append(f"- PDF: `{result['pdf']}`")
    if result.get("markdown"):
        lines.append(f"- Markdown: `{result['markdown']}`")
    score = result.get("score") or {}
    scored = ""
    if "correct" in score and "total" in score:
        shown = score.get("percent")
        shown = f" ({shown:g}%)" if isinstance(shown, int | float) else ""
        scored = f"\n\nYour score: **{score['correct']}/{score['total']}**{shown}."
    saved = "\n".join(lines) or "- (the tool did not say where)"
    return f"Your results are saved:\n\n{saved}{scored}"


def _short_name(module: Record) -> str:
    said = phrasing.content_words(str(module.get("name")))
    return max(said, key=len) if said else str(module.get("name"))
