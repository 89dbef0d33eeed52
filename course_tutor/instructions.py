"""The tutor's instructions: a Markdown file with YAML front matter holding
its title and the conversation starters shown on an empty chat.

The shipped file is `prompts/student_course_assistant.md` (inside the wheel
it sits at `course_tutor/prompts/`); `--prompt FILE` replaces it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PROMPT = "student_course_assistant.md"


class InstructionsError(Exception):
    """The instructions file is missing or cannot be read."""


@dataclass(frozen=True)
class Instructions:
    title: str
    starters: tuple[str, ...]
    text: str
    digest: str
    path: Path


def prompts_dir() -> Path:
    """Where the shipped prompts are: in the wheel, or in the source tree."""
    package = Path(__file__).resolve().parent
    bundled = package / "prompts"
    if bundled.is_dir():
        return bundled
    return package.parent / "prompts"


def load_instructions(path: str | Path | None = None) -> Instructions:
    source = Path(path) if path is not None else prompts_dir() / DEFAULT_PROMPT
    try:
        raw = source.read_text(encoding="utf-8")
    except OSError as error:
        raise InstructionsError(
            f"Cannot read the instructions file {source}: {error.strerror}."
        ) from None
    meta, body = _split_front_matter(raw, source)
    starters = meta.get("starters") or []
    if not isinstance(starters, list) or not all(isinstance(s, str) for s in starters):
        raise InstructionsError(f"{source}: `starters` must be a list of strings.")
    if not body.strip():
        raise InstructionsError(f"{source} has no instructions after its front matter.")
    return Instructions(
        title=str(meta.get("title") or source.stem.replace("_", " ").title()),
        starters=tuple(starters),
        text=body.strip() + "\n",
        digest=hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12],
        path=source,
    )


def _split_front_matter(raw: str, source: Path) -> tuple[dict, str]:
    if not raw.startswith("---"):
        return {}, raw
    _, _, rest = raw.partition("\n")
    head, sep, body = rest.partition("\n---")
    if not sep:
        raise InstructionsError(f"{source}: the front matter has no closing `---`.")
    import yaml  # only needed here, and only when a file has front matter

    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as error:
        raise InstructionsError(
            f"{source}: the front matter is not valid YAML ({error})."
        ) from None
    if not isinstance(meta, dict):
        raise InstructionsError(f"{source}: the front matter must be a mapping.")
    return meta, body.partition("\n")[2]
