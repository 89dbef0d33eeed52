"""A one-cell spinner for things that are on their way."""

from __future__ import annotations

from time import monotonic

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
FRAME_SECONDS = 0.08


def spinner_frame(started: float) -> str:
    """The frame to show now for something that started at `started`."""
    return FRAMES[int((monotonic() - started) / FRAME_SECONDS) % len(FRAMES)]
