"""Quick live checks of Canvas for `init` and `doctor`: one request each,
retried at most once, so a wrong address fails fast."""

from __future__ import annotations

from dataclasses import dataclass

from course_tutor.canvas import (
    CanvasClient,
    CanvasError,
    CanvasUnavailableError,
    InvalidTokenError,
    RetryPolicy,
)

ONCE = RetryPolicy(max_retries=0, max_rate_limit_retries=1, max_total_wait=5.0)
TIMEOUT = 10.0


@dataclass(frozen=True)
class Probe:
    ok: bool
    reachable: bool
    """False when no answer came at all (offline, wrong host)."""
    message: str = ""


async def probe_canvas(base: str) -> Probe:
    """Whether ``base`` answers like Canvas: without a token, `users/self`
    is refused with 401."""
    async with CanvasClient(base, None, retry=ONCE, timeout=TIMEOUT) as canvas:
        try:
            await canvas.get_self()
        except InvalidTokenError:
            pass
        except CanvasUnavailableError as error:
            return Probe(False, False, error.message)
        except CanvasError:
            return Probe(
                False,
                True,
                f"{base} answered, but not the way Canvas does. Check the address: "
                "use the one you open Canvas at in your browser.",
            )
    return Probe(True, True, f"{base} answers like Canvas.")


async def whoami(base: str, token: str) -> Probe:
    """Whether Canvas accepts ``token``; the message is the owner's name."""
    try:
        client = CanvasClient(base, token, retry=ONCE, timeout=TIMEOUT)
    except CanvasError as error:  # a token with spaces or odd characters
        return Probe(False, True, error.message)
    async with client:
        try:
            me = await client.get_self()
        except InvalidTokenError:
            return Probe(
                False,
                True,
                "Canvas did not accept that token. Copy it again (all of it), or "
                "make a new one.",
            )
        except CanvasUnavailableError as error:
            return Probe(False, False, error.message)
        except CanvasError as error:
            return Probe(False, True, error.message)
    return Probe(True, True, me.name or f"user {me.id}")
