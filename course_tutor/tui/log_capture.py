"""Log records of the `course_tutor` logger, kept in memory for the log screen.

While the screen is up nothing may write to the terminal, so the app installs
this handler for its lifetime; the log screen reads the records it kept.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = "course_tutor"


class LogRecorder(logging.Handler):
    """Keeps the last `capacity` records; `records` is safe to read any time."""

    def __init__(self, capacity: int = 2000, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.records: deque[logging.LogRecord] = deque(maxlen=capacity)
        self.count = 0
        """How many records were ever kept (to tell new ones from old)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.count += 1

    def since(self, count: int) -> list[logging.LogRecord]:
        """The records kept after the first `count` (as many as are left)."""
        new = self.count - count
        if new <= 0:
            return []
        return list(self.records)[-new:]


@contextmanager
def recording(recorder: LogRecorder) -> Iterator[LogRecorder]:
    """Attach the recorder to the `course_tutor` logger, and detach it after."""
    logger = logging.getLogger(LOGGER)
    previous = logger.level
    if logger.level == logging.NOTSET or logger.level > recorder.level:
        logger.setLevel(recorder.level)
    logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(previous)
